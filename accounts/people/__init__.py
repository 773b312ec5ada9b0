"""Classes and people by hand: the API's and the admin's reads (selectors) and writes
(services). The roster import (accounts.rosters) is the usual way people come and go."""
