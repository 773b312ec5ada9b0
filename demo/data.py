"""The demo city's fixed data: schools, device models, logins and the shares of each kind
of device. Demo data only: the logins have fixed, published passwords."""

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from inventory.models import Category, SchoolType, Status

CITY = "Musterstadt"
# The generated data is fixed by the seed alone, never by today's date.
FIRST_DAY, LAST_DAY = date(2016, 1, 4), date(2026, 10, 30)
BERLIN = ZoneInfo("Europe/Berlin")
# The Sofortausstattungsprogramm paid for devices to lend to students who learnt at home.
POOL_FROM, POOL_UNTIL = date(2020, 9, 1), date(2021, 6, 30)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    first_name: str
    last_name: str
    schools: tuple[str, ...]  # school numbers; none for the city-wide roles


# username | password | role | first name | last name | school numbers
LOGINS = """
demo-admin        | demo-admin-2026        | it_admin    | Jana   | Schröder |
demo-koordination | demo-koordination-2026 | coordinator | Murat  | Yılmaz   | 166021 188140
demo-lehrkraft    | demo-lehrkraft-2026    | teacher     | Katrin | Becker   | 166021
demo-stadt        | demo-stadt-2026        | city_staff  | Thomas | Wagner   |
"""

# number | type | name | street | postal code | devices
SCHOOLS = """
102345 | grundschule    | Gemeinschaftsgrundschule Lindenstraße | Lindenstraße 12     | 12345 | 120
102357 | grundschule    | Katholische Grundschule St. Marien    | Kirchplatz 3        | 12345 | 95
102369 | grundschule    | Grundschule am Mühlenbach             | Mühlenweg 40        | 12347 | 110
103301 | grundschule    | Gemeinschaftsgrundschule Sonnenhang   | Am Sonnenhang 7     | 12349 | 85
166021 | gymnasium      | Gymnasium am Stadtgarten              | Stadtgartenallee 1  | 12345 | 450
166033 | gymnasium      | Annette-von-Droste-Hülshoff-Gymnasium | Drosteweg 15        | 12347 | 380
188140 | gesamtschule   | Käthe-Kollwitz-Gesamtschule           | Kollwitzstraße 20   | 12349 | 480
177802 | realschule     | Theodor-Heuss-Realschule              | Heussallee 8        | 12345 | 250
194310 | sekundarschule | Sekundarschule Musterstadt-Süd        | Südring 55          | 12351 | 200
171205 | hauptschule    | Geschwister-Scholl-Hauptschule        | Scholl-Platz 2      | 12351 | 140
100521 | berufskolleg   | Robert-Bosch-Berufskolleg             | Industriestraße 100 | 12353 | 600
145678 | foerderschule  | Janusz-Korczak-Förderschule           | Parkstraße 9        | 12347 | 90
"""

# manufacturer | model | category | sold from-until | list price | warranty years | serial
# (in the serial pattern each # is a random letter or digit, as the manufacturer prints it)
MODELS = """
Lenovo     | ThinkPad L13 Gen 2     | laptop  | 2021-2023 | 749  | 3 | PF######
Lenovo     | ThinkPad E14 Gen 5     | laptop  | 2023-2026 | 829  | 3 | PF######
HP         | ProBook 440 G8         | laptop  | 2021-2022 | 699  | 3 | 5CG#######
Dell       | Latitude 3190 2-in-1   | laptop  | 2018-2020 | 479  | 3 | #######
Fujitsu    | Lifebook E5512         | laptop  | 2022-2024 | 899  | 5 | YM########
Apple      | iPad 6. Generation     | tablet  | 2018-2020 | 329  | 2 | ##########
Apple      | iPad 9. Generation     | tablet  | 2021-2023 | 379  | 2 | ##########
Apple      | iPad 10. Generation    | tablet  | 2023-2026 | 449  | 2 | ##########
Samsung    | Galaxy Tab S6 Lite     | tablet  | 2020-2022 | 289  | 2 | R52########
Fujitsu    | Esprimo D538           | desktop | 2016-2019 | 589  | 5 | YM########
Dell       | OptiPlex 7090 Micro    | desktop | 2021-2023 | 869  | 5 | #######
Lenovo     | ThinkCentre M70q Gen 4 | desktop | 2023-2026 | 799  | 5 | S4######
Epson      | EB-695Wi               | display | 2016-2020 | 1290 | 3 | X4########
Promethean | ActivPanel Titanium 75 | display | 2020-2023 | 3290 | 5 | PRM#########
Samsung    | Flip Pro WM75B         | display | 2022-2026 | 3890 | 3 | 0F########
Brother    | MFC-L8900CDW           | printer | 2018-2022 | 689  | 3 | E7#########
Kyocera    | ECOSYS M3145dn         | printer | 2020-2026 | 519  | 3 | R4########
LANCOM     | LW-600                 | network | 2020-2026 | 399  | 5 | 4004#########
Cisco      | Catalyst 1000-24T-4G-L | network | 2019-2024 | 1190 | 5 | FOC########
HPE Aruba  | Instant On AP22        | network | 2021-2026 | 189  | 3 | CN########
IPEVO      | VZ-X Dokumentenkamera  | other   | 2019-2026 | 189  | 2 | VZX########
"""

CATEGORIES = ("laptop", "tablet", "desktop", "display", "printer", "network", "other")
# What a school of each type owns: weights in the order of CATEGORIES.
PRIMARY = (15, 45, 8, 15, 5, 10, 2)
SECONDARY = (30, 25, 15, 15, 4, 9, 2)
MIX = {
    SchoolType.GRUNDSCHULE: PRIMARY,
    SchoolType.FOERDERSCHULE: PRIMARY,
    SchoolType.BERUFSKOLLEG: (25, 5, 40, 14, 5, 9, 2),
}
SERIAL_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
WIRED = {Category.DESKTOP, Category.DISPLAY, Category.PRINTER, Category.NETWORK}
NOTES = {
    Status.IN_REPAIR: (
        "Display gebrochen, beim Händler zur Reparatur",
        "Akku defekt, Austausch beantragt",
        "Startet nicht, Garantiefall gemeldet",
    ),
    Status.LOST: ("Nach Ausleihe nicht zurückgegeben", "Verlust gemeldet, Anzeige erstattet"),
    Status.RETIRED: ("Ausgesondert, Datenträger gelöscht", "Ausgesondert, an Recycling übergeben"),
}


@dataclass(frozen=True)
class ModelRow:
    manufacturer: str
    name: str
    category: str
    first_year: int
    last_year: int
    price: int
    warranty_years: int
    serial: str


def rows(table: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("|")] for line in table.strip().splitlines()]


DEMO_LOGINS = tuple(DemoLogin(*row[:5], tuple(row[5].split())) for row in rows(LOGINS))
# number, type, name, street, postal code, devices
SCHOOL_ROWS = [(*row[:5], int(row[5])) for row in rows(SCHOOLS)]
# The short names the schools' labels print, as the schools call themselves.
SHORT_NAMES = {
    "102345": "GGS Lindenstraße",
    "102357": "KGS St. Marien",
    "102369": "GS Mühlenbach",
    "103301": "GGS Sonnenhang",
    "166021": "GaS",
    "166033": "Droste-Gymnasium",
    "188140": "KKG",
    "177802": "THR",
    "194310": "Sek Süd",
    "171205": "GSH",
    "100521": "RBB",
    "145678": "Korczak-Schule",
}
MODEL_ROWS = [
    ModelRow(maker, name, category, int(years[:4]), int(years[5:]), int(price), int(w), serial)
    for maker, name, category, years, price, w, serial in rows(MODELS)
]

# The city's loan pool: the media centre lends laptops to students of every school whose
# own are all out (School.loan_pool). number | name | street | postal code | laptops
POOL_SITE = ("199001", "Medienzentrum Musterstadt", "Rathausplatz 4", "12345", 40)
POOL_MODEL = ("Lenovo", "ThinkPad L13 Gen 2")

# The classes of each school type this school year: name and grade (the students' age
# follows from the grade).
CLASSES = {
    SchoolType.GRUNDSCHULE: (("1a", 1), ("2b", 2), ("4a", 4)),
    SchoolType.GYMNASIUM: (("5a", 5), ("7b", 7), ("EF", 10)),
    SchoolType.BERUFSKOLLEG: (("ITA24", 11), ("KFZ25", 11), ("HBFS1", 12)),
    SchoolType.FOERDERSCHULE: (("Klasse 3", 3), ("Klasse 6", 6), ("Klasse 9", 9)),
}
OTHER_CLASSES = (("5a", 5), ("6c", 6), ("9b", 9))
SCHOOL_YEAR = 2026  # 2026/27, like the rest of the demo fixed by the seed alone
STUDENTS_PER_CLASS = (18, 26)
TEACHERS_PER_SCHOOL = 6

_FIRST_NAMES = """
Anna, Ben, Chiara, Deniz, Elif, Emil, Emma, Felix, Finn, Hannah, Ida, Jonas, Jule, Karim, Lea,
Leon, Lina, Luca, Maja, Mats, Mia, Mohammed, Nele, Noah, Ole, Paul, Sophie, Tim, Yusuf, Zoe,
Anna-Lena, Jan-Erik, Marie-Luise, Özge, Jörg, Lütfiye, Anaïs, Malte, Süheyla, Björn
"""
# Umlauts, apostrophes, double names and names of several words, as rosters have them.
_LAST_NAMES = """
Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Koch,
Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, Krüger, Hofmann, Hartmann,
Lange, Schmitt, Werner, Krause, Meier, Lehmann, Köhler, Jäger, Öztürk, Yılmaz, Kaya, Nowak,
Kowalski, Popescu, Nguyen, Petrović, Groß, Weiß, Lührs, Bäcker, O'Brien, D'Angelo, dell'Orto,
Müller-Lüdenscheidt, Schmidt-Öztürk, von der Heide, Meyer zu Hörste, Al-Hassan
"""
FIRST_NAMES = tuple(name.strip() for name in _FIRST_NAMES.split(","))
LAST_NAMES = tuple(name.strip() for name in _LAST_NAMES.split(","))
# Teachers: a first name of their generation and a last name of the city; each has a Kürzel.
_TEACHER_FIRST_NAMES = """
Sabine, Michael, Aylin, Frank, Claudia, Stefan, Birgit, Jürgen, Nadine, Thorsten, Ute, Heike,
Mehmet, Dirk, Kerstin, Ralf, Małgorzata, Jens, Özlem, Andrea
"""
TEACHER_FIRST_NAMES = tuple(name.strip() for name in _TEACHER_FIRST_NAMES.split(","))
