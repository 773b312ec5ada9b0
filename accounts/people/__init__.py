"""Classes and people by hand: the API's and the admin's reads (selectors) and writes
(services). The roster import (roster_apply) is the usual way people come and go."""
