"""The privacy duties towards the people Lernstatt holds data about (DSGVO): erasure of
deleted people after a period (erasure), the Art. 15 export of one person (export), and the
log of who looked at or changed whose data (access_log)."""
