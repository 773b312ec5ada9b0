"""The schools' LDAP directory: its layout, the connection to it, and the sync plan."""
