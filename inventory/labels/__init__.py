"""Asset labels: a sticker per device with a QR code of its address (/d/<asset tag>), a
Code 128 barcode of its asset tag for hand scanners, the asset tag in clear text, the
school, the room and the owner line, the fields chosen per print.

- `templates`: the label sheets and label printers, as data (page, margins, grid, pitch);
- `codes`: the QR matrix (zxing-cpp) and the Code 128 bar pattern (python-barcode), checked;
- `layout`: where each part of a label goes, and how a text is fitted;
- `pdf`: the vector PDF (fpdf2), `zpl`: ZPL II for Zebra printers;
- `printing`: the options of a print and the print itself (`labels_print`), which the web
  page (inventory.label_views), the API (inventory.api.labels) and `manage.py
  print_labels` call.
"""
