"""A synthetic CONARC-like export with planted defects, and a key that says what is planted where.

Every person in the file is invented: names are random combinations of common Spanish and
Italian-Argentine given names and surnames, and DNI numbers are drawn from a trend that follows
birth year (Argentine DNIs were issued roughly in birth order), plus noise. The file imitates the
export HRW described: Spanish headers, ``;`` separator, cp1252, CRLF line ends, day-first dates
(a share written ISO), DNIs written with dots ("20.123.456") or plain.

Clean rows are clean for every rule the key names: valid dates, adults listed at 18 or older, a
unique 7–8 digit DNI per person, names of two or more tokens, no juvenile court. The defects sit on
disjoint rows (one minor record may trigger several MN codes; the key lists it under each) and the
key records each under the rule code that must flag it, with ``controls`` for look-alikes that must
*not* be flagged (a record listed on the 18th birthday, one person with two warrants, twins).

Generation is vectorised: numpy draws, pyarrow string kernels assemble the cells; only the planted
rows (a few per cent) are built one by one.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .output import write_private

HEADERS = ["APELLIDO Y NOMBRE", "TIPO DOC", "NRO DOC", "F. NAC.", "SEXO", "DELITO", "JUZGADO", "NRO CAUSA",
           "FECHA ALTA", "PROVINCIA", "FECHA REVISION", "ESTADO ORDEN"]
NAME, IDTYPE, DNI, BIRTH, SEX, OFFENCE, COURT, CAUSA, ENTRY, PROVINCE, REVIEW, STATUS = range(len(HEADERS))
ACTIVE = "VIGENTE"  # status of every clean record
REVIEW_PERIOD = 5  # years: the OF07 review period (profile default)
PROFILE = "ar"  # the MN03 threshold (16) in the key is Argentina's
ADULT = 18
CRIMINAL_RESPONSIBILITY = 16
IMPLAUSIBLY_YOUNG = 10
FIRST_ENTRY = dt.date(2009, 1, 1)
OLDEST_BIRTH = dt.date(1931, 1, 1)
JUVENILE_COURT = "JUZGADO NACIONAL DE MENORES N° 3"

# Every code the generator plants (or guards with a control); tests iterate over these.
PLANTED_CODES = ("MN01", "MN02", "MN03", "MN04", "MN05", "MN06",
                 "DB01", "DB02", "DB03", "DB04", "DB05", "DB06", "DB07",
                 "DE01", "DE02", "DE03", "DU01", "ID01", "ID02", "ID03", "ID04", "ID05",
                 "NM01", "NM02", "NM03", "NM04", "NM05", "NM06",
                 "OF01", "OF02", "OF03", "OF04", "OF05", "OF06", "OF07", "OF08", "OF10", "OF11", "OF12", "OF13")

SURNAMES = [
    "GONZALEZ", "RODRIGUEZ", "GOMEZ", "FERNANDEZ", "LOPEZ", "DIAZ", "MARTINEZ", "PEREZ", "GARCIA", "SANCHEZ",
    "ROMERO", "SOSA", "ALVAREZ", "TORRES", "RUIZ", "RAMIREZ", "FLORES", "BENITEZ", "ACOSTA", "MEDINA",
    "HERRERA", "SUAREZ", "AGUIRRE", "GIMENEZ", "GUTIERREZ", "PEREYRA", "ROJAS", "MOLINA", "CASTRO", "ORTIZ",
    "SILVA", "NUÑEZ", "LUNA", "JUAREZ", "CABRERA", "RIOS", "FERREYRA", "GODOY", "MORALES", "DOMINGUEZ",
    "MORENO", "PERALTA", "VEGA", "CARRIZO", "QUIROGA", "CASTILLO", "LEDESMA", "MUÑOZ", "OJEDA", "PONCE",
    "VERA", "VAZQUEZ", "VILLALBA", "CARDOZO", "NAVARRO", "RAMOS", "ARIAS", "CORIA", "FIGUEROA", "CORREA",
    "CACERES", "VARGAS", "PAEZ", "MENDEZ", "IBAÑEZ", "PEÑA", "ZALAZAR", "ESCOBAR", "MALDONADO", "AQUINO",
    "BARRIOS", "ROLDAN", "OVIEDO", "ARGAÑARAZ", "CÓRDOBA", "GALEANO", "CHÁVEZ", "BRITEZ", "MIRANDA", "AYALA",
    "ROSSI", "RUSSO", "FERRARI", "ESPOSITO", "BIANCHI", "ROMANO", "COLOMBO", "RICCI", "MARINO", "GRECO",
    "BRUNO", "GALLO", "CONTI", "DE LUCA", "COSTA", "GIORDANO", "MANCINI", "RIZZO", "LOMBARDI", "MORETTI",
    "BARBIERI", "FONTANA", "SANTORO", "MARIANI", "RINALDI", "CARUSO", "FERRARA", "GALLI", "MARTINI", "LEONE",
    "LONGO", "GENTILE", "MARTINELLI", "VITALE", "LOMBARDO", "SERRA", "COPPOLA", "DE SANTIS", "PELLEGRINI", "PALUMBO",
]
MALE = [
    "JUAN", "CARLOS", "JOSÉ", "LUIS", "JORGE", "MIGUEL", "DANIEL", "ROBERTO", "RICARDO", "EDUARDO",
    "MARCELO", "SERGIO", "GUSTAVO", "FERNANDO", "PABLO", "DIEGO", "MARTÍN", "ALEJANDRO", "JAVIER", "GABRIEL",
    "FACUNDO", "NICOLÁS", "MATÍAS", "LUCAS", "SEBASTIÁN", "LEANDRO", "MAXIMILIANO", "FRANCO", "HERNÁN", "CRISTIAN",
    "RAMÓN", "HÉCTOR", "OSCAR", "RUBÉN", "ALBERTO", "ANTONIO", "FRANCISCO", "ÁNGEL", "JULIÁN", "JOAQUÍN",
    "EZEQUIEL", "GONZALO", "IGNACIO", "AGUSTÍN", "SANTIAGO", "TOMÁS", "BRUNO", "MAURO", "RODRIGO", "ANDRÉS",
]
FEMALE = [
    "MARÍA", "ANA", "LAURA", "SILVIA", "PATRICIA", "GRACIELA", "CLAUDIA", "MÓNICA", "NOEMÍ", "SUSANA",
    "ROSA", "CAROLINA", "VALERIA", "NATALIA", "SOLEDAD", "ROMINA", "GABRIELA", "ANDREA", "MARIELA", "VERÓNICA",
    "FLORENCIA", "CAMILA", "SOFÍA", "LUCÍA", "MICAELA", "AGUSTINA", "MILAGROS", "BELÉN", "JULIETA", "MARTINA",
    "INÉS", "BEATRIZ", "ALICIA", "CRISTINA", "ELENA", "LILIANA", "NORMA", "MIRTA", "ADRIANA", "MARCELA",
    "PAOLA", "DANIELA", "VANESA", "LORENA", "YAMILA", "ROCÍO", "ANTONELLA", "BRENDA", "JÉSICA", "CINTIA",
]
OFFENCES = [
    "ROBO", "HURTO AGRAVADO", "ROBO AGRAVADO POR USO DE ARMA", "ROBO EN GRADO DE TENTATIVA", "ESTAFA", "HOMICIDIO",
    "ABUSO DE ARMAS", "LESIONES GRAVES", "AMENAZAS CON ARMAS", "INFRACCION LEY 23.737", "ENCUBRIMIENTO",
    "TENENCIA ILEGAL DE ARMA DE FUEGO", "DAÑO AGRAVADO", "EXTORSION", "DEFRAUDACION", "USURPACION",
    "PORTACION DE ARMA DE GUERRA", "FALSIFICACION DE DOCUMENTO", "SECUESTRO EXTORSIVO", "EVASION",
]
COURTS = [
    "JUZGADO NACIONAL EN LO CRIMINAL Y CORRECCIONAL N° 12", "JUZGADO NACIONAL EN LO CRIMINAL Y CORRECCIONAL N° 4",
    "JUZGADO FEDERAL N° 2 DE LOMAS DE ZAMORA", "JUZGADO DE GARANTÍAS N° 4 DE LA PLATA",
    "TRIBUNAL ORAL EN LO CRIMINAL N° 9", "JUZGADO DE INSTRUCCIÓN N° 21", "JUZGADO FEDERAL DE ROSARIO N° 3",
    "JUZGADO DE CONTROL N° 7 DE CÓRDOBA", "JUZGADO CORRECCIONAL N° 2 DE SAN ISIDRO",
    "JUZGADO DE GARANTÍAS N° 1 DE MORÓN", "CÁMARA FEDERAL DE APELACIONES DE TUCUMÁN",
]
PROVINCES = [
    "BUENOS AIRES", "CIUDAD AUTÓNOMA DE BUENOS AIRES", "CÓRDOBA", "SANTA FE", "MENDOZA", "TUCUMÁN",
    "ENTRE RÍOS", "SALTA", "MISIONES", "CHACO", "CORRIENTES", "SANTIAGO DEL ESTERO", "SAN JUAN", "JUJUY",
    "RÍO NEGRO", "NEUQUÉN", "FORMOSA", "CHUBUT", "SAN LUIS", "CATAMARCA", "LA RIOJA", "LA PAMPA",
    "SANTA CRUZ", "TIERRA DEL FUEGO",
]
# Rough DNI issue trend: (birth year, DNI) anchors, about 0.64 M numbers per birth year.
DNI_TREND = ((1930, 1.0e6), (1960, 14.0e6), (1970, 20.5e6), (1980, 28.0e6), (1990, 35.0e6),
             (2000, 42.5e6), (2010, 50.5e6), (2019, 58.0e6), (2030, 66.0e6))
DNI_NOISE_SD = 0.25e6


def dni_trend(year_frac: np.ndarray | float) -> np.ndarray:
    xs, ys = zip(*DNI_TREND)
    return np.interp(year_frac, xs, ys)


def day_number(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = days.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


_TWO = pa.array([f"{i:02d}" for i in range(100)])
_THREE = pa.array([f"{i:03d}" for i in range(1000)])


def format_dates(days: np.ndarray, iso: np.ndarray) -> pa.Array:
    year, month, day = _ymd(days)
    y = pc.cast(pa.array(year), pa.string())
    m = _TWO.take(pa.array(month))
    d = _TWO.take(pa.array(day))
    dmy = pc.binary_join_element_wise(d, m, y, "/")
    ymd = pc.binary_join_element_wise(y, m, d, "-")
    return pc.if_else(pa.array(iso), ymd, dmy)


def format_dni(dni: np.ndarray, dotted: np.ndarray) -> pa.Array:
    plain = pc.cast(pa.array(dni), pa.string())
    millions = pc.cast(pa.array(dni // 1_000_000), pa.string())
    dots = pc.binary_join_element_wise(millions, _THREE.take(pa.array(dni // 1000 % 1000)),
                                       _THREE.take(pa.array(dni % 1000)), ".")
    return pc.if_else(pa.array(dotted), dots, plain)


def dmy(d: dt.date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def dotted_dni(n: int) -> str:
    return f"{n // 1_000_000}.{n // 1000 % 1000:03d}.{n % 1000:03d}"


def add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def age_on(birth: dt.date, when: dt.date) -> int:
    return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))


@dataclass
class _Plan:
    """Rows handed out so far, overrides per column, and the key entries."""

    n: int
    rng: np.random.Generator
    order: np.ndarray
    cursor: int = 0
    overrides: dict[int, dict[int, str]] = field(default_factory=dict)
    copies: dict[int, tuple[int, tuple[int, ...]]] = field(default_factory=dict)  # pos -> (source, columns)
    planted: dict[tuple, dict] = field(default_factory=dict)
    controls: dict[tuple, dict] = field(default_factory=dict)
    used_dnis: set[int] = field(default_factory=set)

    def take(self, k: int = 1) -> list[int]:
        if self.cursor + k > self.n:
            raise ValueError("too many planted rows for the file size")
        out = sorted(int(p) for p in self.order[self.cursor:self.cursor + k])
        self.cursor += k
        return out

    def set(self, pos: int, column: int, value: str) -> None:
        self.overrides.setdefault(column, {})[pos] = value

    def copy(self, pos: int, source: int, columns=tuple(range(len(HEADERS)))) -> None:
        """Cells of ``pos`` repeat those of ``source`` as finally written."""
        self.copies[pos] = (source, tuple(columns))

    def plant(self, code: str, kind: str, defect: str, pos: int, related: list[int] = (), *, control=False):
        book = self.controls if control else self.planted
        entry = book.setdefault((code, kind), {"code": code, "kind": kind, "defect": defect, "rows": [],
                                                 "related_rows": [], "groups": []})
        entry["rows"].append(pos + 1)
        if related:
            entry["related_rows"].extend(p + 1 for p in related)
            entry["groups"].append(sorted([pos + 1, *(p + 1 for p in related)]))

    def fresh_dni(self, year_frac: float) -> int:
        value = int(dni_trend(year_frac) + self.rng.normal(0, DNI_NOISE_SD))
        value = min(max(value, 1_000_000), 99_999_999)
        while value in self.used_dnis:
            value += 1
        self.used_dnis.add(value)
        return value


class People:
    """The clean population: one invented person per row, as numpy arrays."""

    def __init__(self, n: int, rng: np.random.Generator, as_of: dt.date):
        self.n = n
        first, last = day_number(FIRST_ENTRY), day_number(as_of)
        self.entry = rng.integers(first, last + 1, n)
        # Listed at 18 or older: 6590 days is more than 18 years however leap days fall.
        room = self.entry - 6590 - day_number(OLDEST_BIRTH)
        extra = rng.gamma(2.0, 2600.0, n).astype(np.int64) % room
        self.birth = self.entry - 6590 - extra
        self.male = rng.random(n) < 0.8
        self.s1 = rng.integers(0, len(SURNAMES), n)
        self.s2 = np.where(rng.random(n) < 0.3, rng.integers(0, len(SURNAMES), n), -1)
        self.g1 = self._given(rng, n)
        self.g2 = np.where(rng.random(n) < 0.6, self._given(rng, n), -1)
        self._dedupe(rng)
        year_frac = 1970 + self.birth / 365.2425
        raw = dni_trend(year_frac) + rng.normal(0, DNI_NOISE_SD, n)
        raw = np.clip(raw, 1_000_000, 99_000_000).astype(np.int64)
        order = np.argsort(raw, kind="stable")  # unique: bump collisions upwards, keep the trend
        ranked = raw[order]
        ranked = np.maximum.accumulate(ranked - np.arange(n)) + np.arange(n)
        self.dni = np.empty(n, dtype=np.int64)
        self.dni[order] = ranked
        self.dotted = rng.random(n) < 0.4
        self.birth_iso = rng.random(n) < 0.12
        self.entry_iso = rng.random(n) < 0.08
        self.offence = rng.integers(0, len(OFFENCES), n)
        self.court = rng.integers(0, len(COURTS), n)
        self.province = rng.integers(0, len(PROVINCES), n)
        self.causa_no = rng.integers(1, 99_999, n)
        self.causa_year = _ymd(self.entry)[0] - rng.integers(0, 4, n)
        self.review = day_number(as_of) + 1 + (self.causa_no * 7919 + self.entry) % 730

    def _given(self, rng, n):
        male = rng.integers(0, len(MALE), n)
        female = len(MALE) + rng.integers(0, len(FEMALE), n)
        return np.where(self.male, male, female)

    def _dedupe(self, rng):
        """No two people share first surname, first given name and birth date (no accidental ID04)."""
        for _ in range(10):
            key = (self.birth * len(SURNAMES) + self.s1) * (len(MALE) + len(FEMALE)) + self.g1
            _, first = np.unique(key, return_index=True)
            dup = np.ones(self.n, dtype=bool)
            dup[first] = False
            if not dup.any():
                return
            self.s1[dup] = rng.integers(0, len(SURNAMES), int(dup.sum()))

    def name_parts(self, p: int) -> tuple[list[str], list[str]]:
        given = MALE + FEMALE
        surnames = [SURNAMES[self.s1[p]]] + ([SURNAMES[self.s2[p]]] if self.s2[p] >= 0 else [])
        givens = [given[self.g1[p]]] + ([given[self.g2[p]]] if self.g2[p] >= 0 else [])
        return surnames, givens

    def columns(self) -> list[pa.Array]:
        given = pa.array([""] + MALE + FEMALE)
        sur = pa.array([""] + SURNAMES)
        space_given = pa.array([""] + [" " + g for g in MALE + FEMALE])
        space_sur = pa.array([""] + [" " + s for s in SURNAMES])
        name = pc.binary_join_element_wise(
            sur.take(pa.array(self.s1 + 1)), space_sur.take(pa.array(self.s2 + 1)), ", ",
            given.take(pa.array(self.g1 + 1)), space_given.take(pa.array(self.g2 + 1)), "")
        n = self.n
        return [
            name,
            pa.array(["DNI"]).take(pa.array(np.zeros(n, dtype=np.int64))),
            format_dni(self.dni, self.dotted),
            format_dates(self.birth, self.birth_iso),
            pa.array(["F", "M"]).take(pa.array(self.male.astype(np.int64))),
            pa.array(OFFENCES).take(pa.array(self.offence)),
            pa.array(COURTS).take(pa.array(self.court)),
            pc.binary_join_element_wise(pc.cast(pa.array(self.causa_no), pa.string()),
                                        pc.cast(pa.array(self.causa_year), pa.string()), "/"),
            format_dates(self.entry, self.entry_iso),
            pa.array(PROVINCES).take(pa.array(self.province)),
            # next review: 1 to 730 days after as_of, derived (no extra random draws)
            format_dates(self.review, np.zeros(n, dtype=bool)),
            pa.array([ACTIVE]).take(pa.array(np.zeros(n, dtype=np.int64))),
        ]


# (defect name, count per 5,000 rows). Counts scale with the file; each is at least 1.
PLAN = [
    ("minor_16_17", 12), ("minor_toddler", 6), ("minor_14_15", 4), ("minor_still_minor", 6),
    ("minor_boundary", 3), ("control_18th_birthday", 2), ("minor_juvenile_court_no_dob", 3),
    ("minor_day_month_trap", 1),
    ("DB01", 6), ("DB02", 10), ("DB03", 5), ("DB04", 5), ("DB05", 4), ("DB06", 4), ("DB07", 4),
    ("DE01", 5), ("DE02", 4), ("DE03", 5), ("DU01", 8),
    ("ID01", 14), ("ID02", 6), ("ID03", 6), ("control_multiple_warrants", 3), ("ID04", 8), ("control_twins", 3),
    ("ID05", 5), ("NM01", 18),
    # offence, authority and legitimacy (OF); appended so that the rows above stay where they were
    ("OF01", 5), ("OF02", 8), ("OF03", 4), ("OF04", 3), ("OF06", 4), ("OF07", 4), ("control_OF07", 2),
    ("OF08", 3), ("OF10", 5), ("control_OF10", 1), ("OF11", 3), ("OF12", 3), ("control_OF12", 1), ("OF13", 2),
]
DB02_VALUES = ["31/02/1980", "29/02/2001", "15/13/1985", "S/D", "00/00/0000"]
DB06_VALUES = ["01/01/1900", "11/11/1111"]
DB07_VALUES = ["1985", "12/1979"]
DE02_VALUES = ["31/02/2015", "S/D", "15/13/2012", "00/00/0000"]
ID01_VALUES = [("scientific notation", "1.2345678E7"), ("float suffix", "20123456.0"),
               ("letter O for zero", "2O123456"), ("zero", "0"), ("all zeros", "00000000"),
               ("no-data token", "S/D"), ("five digits", "48213")]
ID04_VARIANTS = ["exact name", "accent variant", "one-letter typo", "token order"]
# Name anomalies and the rule that catches each.
NM_KINDS = {"digits": "NM01", "single token": "NM02", "initials": "NM03", "mojibake": "NM04",
            "control character": "NM05", "double space": "NM06"}


def _count(base: int, rows: int) -> int:
    return max(1, round(base * rows / 5000))


def generate(rows: int, seed: int, as_of: dt.date) -> tuple[list[pa.Array], dict]:
    """Build the columns (pyarrow string arrays, one per header) and the key."""
    if rows < 100:
        raise ValueError("a sample needs at least 100 rows")
    rng = np.random.default_rng(seed)
    people = People(rows, rng, as_of)
    plan = _Plan(n=rows, rng=rng, order=rng.permutation(rows), used_dnis=set())
    plan.used_dnis = _UsedDnis(people.dni)
    budget = rows // 2  # small files get the first defects of the plan only
    for defect, base in PLAN:
        for i in range(_count(base, rows)):
            if plan.cursor + 4 > budget:
                break
            _PLANTERS[defect](plan, people, as_of, i)
    columns = people.columns()
    _apply(columns, plan.overrides, rows)
    copied: dict[int, dict[int, str]] = {}
    for pos, (source, cols) in plan.copies.items():
        for col in cols:
            copied.setdefault(col, {})[pos] = columns[col][source].as_py()
    _apply(columns, copied, rows)
    _plant_of05(plan, columns)
    key = {
        "rows": rows, "seed": seed, "as_of": as_of.isoformat(), "profile": PROFILE,
        "columns": HEADERS,
        "note": "rows are 1-based data rows (header excluded); every planted row must draw its code, "
                "no control row may draw its code",
        "planted": _entries(plan.planted), "controls": _entries(plan.controls),
    }
    return columns, key


def _apply(columns: list[pa.Array], overrides: dict[int, dict[int, str]], rows: int) -> None:
    for col, values in overrides.items():
        positions = np.array(sorted(values), dtype=np.int64)
        mask = np.zeros(rows, dtype=bool)
        mask[positions] = True
        columns[col] = pc.replace_with_mask(columns[col], pa.array(mask),
                                            pa.array([values[p] for p in positions.tolist()], pa.string()))


def _entries(book: dict) -> list[dict]:
    out = []
    for entry in sorted(book.values(), key=lambda e: (e["code"], e["kind"])):
        entry = dict(entry, rows=sorted(entry["rows"]), related_rows=sorted(set(entry["related_rows"])))
        if not entry["groups"]:
            del entry["groups"]
        out.append(entry)
    return out


class _UsedDnis(set):
    """The clean DNIs plus every DNI planted so far."""

    def __init__(self, clean: np.ndarray):
        super().__init__()
        self._clean = np.sort(clean)

    def __contains__(self, value) -> bool:
        i = np.searchsorted(self._clean, value)
        return (i < len(self._clean) and self._clean[i] == value) or super().__contains__(value)


# ---- planters: each takes rows from the plan, writes overrides, records key entries ----------

def _set_person(plan: _Plan, people: People, p: int, *, birth: dt.date | None = None, entry: dt.date | None = None,
                dni: int | None = None, birth_text: str | None = None, entry_text: str | None = None):
    if birth is not None or birth_text is not None:
        plan.set(p, BIRTH, birth_text if birth_text is not None else _date_text(plan, birth))
    if entry is not None or entry_text is not None:
        plan.set(p, ENTRY, entry_text if entry_text is not None else _date_text(plan, entry))
    if dni is not None:
        plan.set(p, DNI, dotted_dni(dni) if plan.rng.random() < 0.4 else str(dni))


def _date_text(plan: _Plan, d: dt.date) -> str:
    return d.isoformat() if plan.rng.random() < 0.1 else dmy(d)


def _random_birthday(plan: _Plan, year: int) -> dt.date:
    start = dt.date(year, 1, 1)
    while True:
        d = start + dt.timedelta(days=int(plan.rng.integers(0, 365)))
        if (d.month, d.day) != (2, 29):
            return d


def _year_frac(d: dt.date) -> float:
    return d.year + (d.timetuple().tm_yday - 1) / 365.25


def _minor(plan: _Plan, people: People, as_of: dt.date, defect: str, kind: str, age: int, *, still_minor=False,
           birth: dt.date | None = None, entry: dt.date | None = None, texts: tuple | None = None):
    """Plant one minor with full data; record every MN code the record must trigger."""
    (p,) = plan.take()
    if birth is None:
        for _ in range(1000):
            if still_minor:  # listed recently, still under 18 at as_of
                lo = max(as_of.year - ADULT + 1, FIRST_ENTRY.year - age)
                year = int(plan.rng.integers(lo, as_of.year - age + 1))
            else:
                year = int(plan.rng.integers(FIRST_ENTRY.year - age, as_of.year - age))
            birth = _random_birthday(plan, year)
            entry = add_years(birth, age) + dt.timedelta(days=int(plan.rng.integers(1, 360)))
            if FIRST_ENTRY <= entry <= as_of and age_on(birth, entry) == age and (
                    not still_minor or age_on(birth, as_of) < ADULT):
                break
        else:  # pragma: no cover - the ranges above always admit a date
            raise RuntimeError("cannot place a minor")
    _set_person(plan, people, p, birth=birth, entry=entry, dni=plan.fresh_dni(_year_frac(birth)),
                birth_text=texts[0] if texts else None, entry_text=texts[1] if texts else None)
    codes = minor_codes(birth, entry, as_of)
    for code in codes:
        plan.plant(code, kind, defect, p)
    return p, codes


def minor_codes(birth: dt.date, entry: dt.date, as_of: dt.date) -> list[str]:
    """The MN codes a record with full name, DNI and these dates must trigger (profile ar)."""
    at_listing = age_on(birth, entry)
    codes = []
    if at_listing < ADULT:
        codes += ["MN01", "MN06"]
    if age_on(birth, as_of) < ADULT:
        codes.append("MN02")
    if at_listing < CRIMINAL_RESPONSIBILITY:
        codes.append("MN03")
    if at_listing < IMPLAUSIBLY_YOUNG:
        codes.append("MN04")
    return sorted(codes)


def _p_minor_16_17(plan, people, as_of, i):
    _minor(plan, people, as_of, "minor_16_17", "minor aged 16-17 at listing", 16 + i % 2)


def _p_minor_toddler(plan, people, as_of, i):
    _minor(plan, people, as_of, "minor_toddler", "child aged 1-3 at listing", 1 + i % 3)


def _p_minor_14_15(plan, people, as_of, i):
    _minor(plan, people, as_of, "minor_14_15", "minor aged 14-15 at listing", 14 + i % 2)


def _p_minor_still(plan, people, as_of, i):
    _minor(plan, people, as_of, "minor_still_minor", "minor at listing and still a minor at as_of", 16 + i % 2, still_minor=True)


def _boundary_dates(plan, as_of):
    for _ in range(1000):
        birth = _random_birthday(plan, int(plan.rng.integers(FIRST_ENTRY.year - ADULT + 1, as_of.year - ADULT)))
        eighteenth = add_years(birth, ADULT)
        if FIRST_ENTRY < eighteenth - dt.timedelta(days=1) and eighteenth <= as_of:
            return birth, eighteenth
    raise RuntimeError("cannot place a boundary minor")  # pragma: no cover


def _p_minor_boundary(plan, people, as_of, i):
    birth, eighteenth = _boundary_dates(plan, as_of)
    _minor(plan, people, as_of, "minor_boundary", "listed the day before the 18th birthday", 17, birth=birth,
           entry=eighteenth - dt.timedelta(days=1))


def _p_control_18(plan, people, as_of, i):
    birth, eighteenth = _boundary_dates(plan, as_of)
    (p,) = plan.take()
    _set_person(plan, people, p, birth=birth, entry=eighteenth, dni=plan.fresh_dni(_year_frac(birth)))
    assert minor_codes(birth, eighteenth, as_of) == []
    plan.plant("MN01", "listed on the 18th birthday (adult)", "control_18th_birthday", p, control=True)


def _p_juvenile_court(plan, people, as_of, i):
    (p,) = plan.take()
    plan.set(p, BIRTH, "")
    plan.set(p, COURT, JUVENILE_COURT)
    year = as_of.year - int(plan.rng.integers(8, 20))
    plan.set(p, DNI, str(plan.fresh_dni(year + 0.5)))
    plan.plant("MN05", "no birth date, juvenile court", "minor_juvenile_court_no_dob", p)
    plan.plant("DB01", "blank birth date (juvenile court record)", "minor_juvenile_court_no_dob", p)


def _p_trap(plan, people, as_of, i):
    birth, entry = dt.date(2002, 10, 3), dt.date(2020, 6, 5)  # 17 read day-first, 18 read month-first
    if entry > as_of:
        return
    _minor(plan, people, as_of, "minor_day_month_trap", "day/month trap: 03/10/2002 listed 05/06/2020 (minor day-first)", 17,
           birth=birth, entry=entry, texts=("03/10/2002", "05/06/2020"))


def _p_db(code, kind, value_fn):
    def planter(plan, people, as_of, i):
        (p,) = plan.take()
        plan.set(p, BIRTH, value_fn(plan, as_of, i))
        plan.plant(code, kind(i) if callable(kind) else kind, code, p)
    return planter


def _future_birth(plan, as_of, i):
    return dmy(as_of + dt.timedelta(days=int(plan.rng.integers(30, 3650))))


def _p_db04(plan, people, as_of, i):
    (p,) = plan.take()
    entry = FIRST_ENTRY + dt.timedelta(days=int(plan.rng.integers(0, 6 * 365)))
    birth = entry + dt.timedelta(days=int(plan.rng.integers(60, 2000)))
    _set_person(plan, people, p, birth=birth, entry=entry, dni=plan.fresh_dni(_year_frac(birth)))
    plan.plant("DB04", "birth date after entry date", "DB04", p)


def _old_birth(plan, as_of, i):
    return dmy(_random_birthday(plan, 1890 + int(plan.rng.integers(0, 10))))


def _p_de(code, kind, value_fn):
    def planter(plan, people, as_of, i):
        (p,) = plan.take()
        plan.set(p, ENTRY, value_fn(plan, as_of, i))
        plan.plant(code, kind, code, p)
    return planter


def _p_du01(plan, people, as_of, i):
    original, copy = plan.take(2)
    plan.copy(copy, original)
    plan.plant("DU01", "exact copy of an earlier record", "DU01", copy, [original])


def _p_id01(plan, people, as_of, i):
    kind, value = ID01_VALUES[i % len(ID01_VALUES)]
    (p,) = plan.take()
    plan.set(p, DNI, value)
    plan.plant("ID01", f"malformed ID: {kind}", "ID01", p)


def _p_id02(plan, people, as_of, i):
    (p,) = plan.take()
    plan.set(p, DNI, "")
    plan.plant("ID02", "blank ID", "ID02", p)


def _full(surnames, givens) -> str:
    return " ".join(surnames) + ", " + " ".join(givens)


def _p_id03(plan, people, as_of, i):
    original, other = plan.take(2)
    # A different person: another name and another birth date, the same DNI as the original.
    donor = int(plan.order[-(i + 1)])  # a name from the population, reused only as parts
    sur, giv = people.name_parts(original)
    dsur, dgiv = people.name_parts(donor)
    if dsur[0] == sur[0]:
        dsur = [SURNAMES[(SURNAMES.index(sur[0]) + 7) % len(SURNAMES)]]
    if dgiv[0] == giv[0]:
        dgiv = [MALE[(MALE.index(giv[0]) + 5) % len(MALE)] if giv[0] in MALE else "CARLOS"]
    plan.set(other, NAME, _full(dsur, dgiv))
    birth = np.datetime64(int(people.birth[original]), "D").astype(dt.date)
    shifted = birth + dt.timedelta(days=int(plan.rng.integers(40, 400)))
    plan.set(other, BIRTH, dmy(shifted))
    plan.set(other, DNI, str(int(people.dni[original])))
    plan.plant("ID03", "one ID, two different people", "ID03", other, [original])


def _p_multiple_warrants(plan, people, as_of, i):
    original, other = plan.take(2)
    plan.copy(other, original, (NAME, IDTYPE, DNI, BIRTH, SEX))
    offence = (int(people.offence[original]) + 1 + int(plan.rng.integers(0, len(OFFENCES) - 1))) % len(OFFENCES)
    plan.set(other, OFFENCE, OFFENCES[offence])
    plan.plant("ID03", "same person with a second warrant (same ID, name, birth date)", "control_multiple_warrants",
               other, [original], control=True)
    plan.controls[("ID03", "same person with a second warrant (same ID, name, birth date)")]["rows"].append(original + 1)


def _typo(word: str, rng) -> str:
    pos = int(rng.integers(2, len(word) - 1))
    letters = [c for c in "AEIOURSLNT" if c != word[pos]]
    return word[:pos] + letters[int(rng.integers(0, len(letters)))] + word[pos + 1:]


def _p_id04(plan, people, as_of, i):
    variant = ID04_VARIANTS[i % len(ID04_VARIANTS)]
    original, other = plan.take(2)
    sur, giv = people.name_parts(original)
    if variant == "accent variant":
        sur = ["NUÑEZ", *sur[1:]] if sur[0] != "NUÑEZ" else sur
        plan.set(original, NAME, _full(sur, giv))
        name = _full(["NUNEZ", *sur[1:]], giv)
    elif variant == "one-letter typo":
        longest = max(range(len(sur)), key=lambda k: len(sur[k]))
        if len(sur[longest]) < 5:
            sur = ["GUTIERREZ", *sur[1:]]
            plan.set(original, NAME, _full(sur, giv))
            longest = 0
        typo = list(sur)
        typo[longest] = _typo(sur[longest], plan.rng)
        name = _full(typo, giv)
    elif variant == "token order":
        name = " ".join(giv) + " " + " ".join(sur)
    else:
        name = _full(sur, giv)
    plan.set(other, NAME, name)
    plan.copy(other, original, (BIRTH, SEX))
    base = int(people.dni[original])
    step = int(plan.rng.integers(5_000, 90_000)) * (1 if plan.rng.random() < 0.5 else -1)
    dni = base + step
    while dni in plan.used_dnis:
        dni += 1
    plan.used_dnis.add(dni)
    plan.set(other, DNI, dotted_dni(dni) if plan.rng.random() < 0.4 else str(dni))
    plan.plant("ID04", f"one person, several IDs: {variant}", "ID04", other, [original])


def _p_twins(plan, people, as_of, i):
    original, other = plan.take(2)
    sur, giv = people.name_parts(original)
    base = int(people.dni[original])
    twin = base + 1 if (base + 1) not in plan.used_dnis else base - 1
    if twin in plan.used_dnis:
        return
    plan.used_dnis.add(twin)
    male_twin = plan.rng.random() < 0.5
    pool = [g for g in (MALE if male_twin else FEMALE) if g[0] not in {x[0] for x in giv}]
    names = [pool[int(k)] for k in plan.rng.choice(len(pool), 2, replace=False)]
    plan.set(other, NAME, _full(sur, names))
    plan.set(other, SEX, "M" if male_twin else "F")
    plan.copy(other, original, (BIRTH,))
    plan.set(other, DNI, str(twin))
    kind = "twins: same surname and birth date, other given names, consecutive DNIs"
    plan.plant("ID04", kind, "control_twins", other, [original], control=True)
    plan.controls[("ID04", kind)]["rows"].append(original + 1)


def _p_id05(plan, people, as_of, i):
    (p,) = plan.take()
    year = 1970 + people.birth[p] / 365.2425
    off = year + 35 if year < 1975 else year - 40
    dni = int(np.clip(dni_trend(off), 1_500_000, 95_000_000))
    while dni in plan.used_dnis:
        dni += 1
    plan.used_dnis.add(dni)
    plan.set(p, DNI, str(dni))
    plan.plant("ID05", "DNI far off the birth-year trend", "ID05", p)


def _p_nm(plan, people, as_of, i):
    kind = list(NM_KINDS)[i % len(NM_KINDS)]
    (p,) = plan.take()
    sur, giv = people.name_parts(p)
    if kind == "digits":
        name = _full(sur, [giv[0] + str(int(plan.rng.integers(1, 10))), *giv[1:]])
    elif kind == "single token":
        name = sur[0]
    elif kind == "initials":
        name = f"{giv[0][0]}. {sur[0][0]}."
    elif kind == "mojibake":
        name = _full(["NUÑEZ".encode("utf-8").decode("cp1252"), *sur[1:]], giv)  # NUÃ‘EZ
    elif kind == "control character":
        name = _full(sur, giv[:1]) + "\x07" + (" " + giv[1] if len(giv) > 1 else "")
    else:
        name = " ".join(sur) + ",  " + " ".join(giv) if plan.rng.random() < 0.5 else \
            sur[0] + "  " + " ".join(sur[1:] + ["GOMEZ"]) + ", " + " ".join(giv)
    plan.set(p, NAME, name)
    plan.plant(NM_KINDS[kind], f"name anomaly: {kind}", "NM", p)


# ---- offence, authority and legitimacy (OF) ------------------------------------------------------

OF01_VALUES = ["", "S/D", "", "NO CONSTA", ""]
OF02_VALUES = ["SIN ESPECIFICAR", "OTROS", "A DETERMINAR", "VARIOS", "OTHER", "NON PRÉCISÉ", "NÃO INFORMADO",
               "ART. 164"]
OF03_VALUES = ["", "S/D", "", ""]
OF06_NAMES = ["TRANSPORTES DEL SUR S.A.", "LOGISTICA ANDINA S.R.L.", "GRUPO LOS MONOS",
              "PESQUERA DEL ATLANTICO SHIPPING LTD"]
OF10_VALUES = ["LEVANTADA", "SIN EFECTO", "CAPTURADO", "FALLECIDO", "DEJADA SIN EFECTO"]
OF11_VALUES = ["HURTO", "LESIONES LEVES", "CONTRAVENCION"]  # adults: petty, punishable
OF12_VALUES = ["HURTO", "AMENAZAS", "DAÑO"]  # Law 22.278 art. 1: not punishable at 16-17
# one court written two more ways (OF13); the clean spelling is COURTS[0]
OF13_VARIANTS = ["JUZG. NAC. EN LO CRIM. Y CORREC. Nº12", "Juzgado Nacional en lo Criminal y Correccional Nro. 12"]


def _p_cell(code, column, values, kind):
    def planter(plan, people, as_of, i):
        (p,) = plan.take()
        value = values[i % len(values)]
        plan.set(p, column, value)
        plan.plant(code, kind(value), code, p)
    return planter


def _p_of06(plan, people, as_of, i):
    """An entity among people, with no column saying so: no birth date, no DNI (person rules fire)."""
    (p,) = plan.take()
    plan.set(p, NAME, OF06_NAMES[i % len(OF06_NAMES)])
    plan.set(p, BIRTH, "")
    plan.set(p, DNI, "")
    plan.plant("OF06", "entity (company, group, vessel) among people", "OF06", p)
    plan.plant("DB01", "blank birth date (entity row)", "OF06", p)
    plan.plant("ID02", "blank ID (entity row)", "OF06", p)


def _listed_at(plan, people, as_of, p, years_ago_lo, years_ago_hi):
    """An entry date ``years_ago_lo``..``years_ago_hi`` years before as_of, the person an adult then."""
    birth = np.datetime64(int(people.birth[p]), "D").astype(dt.date)
    adult = add_years(birth, ADULT) + dt.timedelta(days=1)
    lo = max(add_years(as_of, -years_ago_hi), FIRST_ENTRY, adult)
    hi = add_years(as_of, -years_ago_lo)
    if lo > hi:
        return None
    return lo + dt.timedelta(days=int(plan.rng.integers(0, (hi - lo).days + 1)))


def _p_of07(plan, people, as_of, i):
    (p,) = plan.take()
    entry = _listed_at(plan, people, as_of, p, REVIEW_PERIOD, REVIEW_PERIOD + 12)
    if entry is None:
        return
    plan.set(p, ENTRY, _date_text(plan, entry))
    plan.set(p, REVIEW, "")
    plan.plant("OF07", f"listed {REVIEW_PERIOD}+ years ago, no review date", "OF07", p)


def _p_control_of07(plan, people, as_of, i):
    (p,) = plan.take()
    entry = add_years(as_of, -REVIEW_PERIOD) + dt.timedelta(days=1)
    birth = np.datetime64(int(people.birth[p]), "D").astype(dt.date)
    if entry < max(FIRST_ENTRY, add_years(birth, ADULT)):
        return
    plan.set(p, ENTRY, dmy(entry))
    plan.set(p, REVIEW, "")
    plan.plant("OF07", "listed one day short of the review period, no review date", "control_OF07", p, control=True)


def _p_of08(plan, people, as_of, i):
    (p,) = plan.take()
    plan.set(p, REVIEW, dmy(as_of - dt.timedelta(days=int(plan.rng.integers(1, 400)))))
    plan.plant("OF08", "review date already past", "OF08", p)


def _p_control_of10(plan, people, as_of, i):
    (p,) = plan.take()
    plan.set(p, STATUS, "VIGENTE - NO CAPTURADO")
    plan.plant("OF10", "negated status word: VIGENTE - NO CAPTURADO", "control_OF10", p, control=True)


def _p_of12(plan, people, as_of, i):
    """A 16- or 17-year-old listed for an offence Law 22.278 art. 1 does not punish at that age."""
    value = OF12_VALUES[i % len(OF12_VALUES)]
    p, _ = _minor(plan, people, as_of, "OF12", "minor aged 16-17 at listing (petty offence)", 16 + i % 2)
    plan.set(p, OFFENCE, value)
    plan.plant("OF12", f"aged 16-17 at listing for {value}", "OF12", p)
    plan.plant("OF11", f"petty offence {value} (a minor)", "OF12", p)


def _p_control_of12(plan, people, as_of, i):
    p, _ = _minor(plan, people, as_of, "control_OF12", "minor aged 16 at listing (serious offence)", 16)
    plan.set(p, OFFENCE, "HURTO AGRAVADO")
    plan.plant("OF12", "aged 16 at listing for HURTO AGRAVADO (punishable)", "control_OF12", p, control=True)
    plan.plant("OF11", "HURTO AGRAVADO is not petty", "control_OF12", p, control=True)


def _p_of13(plan, people, as_of, i):
    (p,) = plan.take()
    plan.set(p, COURT, OF13_VARIANTS[i % len(OF13_VARIANTS)])
    plan.plant("OF13", "court written another way", "OF13", p)


def _plant_of05(plan: _Plan, columns: list[pa.Array]) -> None:
    """Record OF05 (minimum identifiers: name, full birth date, DNI; profile ar) on every planted row
    whose final cells lack one. Clean rows have all three."""
    owner = {}
    for book in (plan.planted, plan.controls):
        for entry in book.values():
            for r in entry["rows"]:
                owner.setdefault(r - 1, entry["defect"])
    no_data = {"", "S/D", "SD", "N/D", "ND", "N/A", "NA", "-", "--", "?", "NN", "NO CONSTA"}
    for p in sorted(owner):
        name, dni, birth = (columns[c][p].as_py().strip() for c in (NAME, DNI, BIRTH))
        lacks = []
        if not name:
            lacks.append("name")
        if not _full_date(birth):
            lacks.append("birth date")
        if dni.upper() in no_data:
            lacks.append("DNI")
        if lacks:
            # one key entry per (what is lacking, planted defect): an entry carries one defect
            plan.plant("OF05", f"no usable {', '.join(lacks)} (row planted as {owner[p]})", owner[p], p)


def _full_date(text: str) -> bool:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            dt.datetime.strptime(text, fmt)
            return True
        except ValueError:
            pass
    return False


_PLANTERS = {
    "minor_16_17": _p_minor_16_17,
    "minor_toddler": _p_minor_toddler,
    "minor_14_15": _p_minor_14_15,
    "minor_still_minor": _p_minor_still,
    "minor_boundary": _p_minor_boundary,
    "control_18th_birthday": _p_control_18,
    "minor_juvenile_court_no_dob": _p_juvenile_court,
    "minor_day_month_trap": _p_trap,
    "DB01": _p_db("DB01", "blank birth date", lambda plan, as_of, i: ""),
    "DB02": _p_db("DB02", lambda i: f"unparseable birth date: {DB02_VALUES[i % len(DB02_VALUES)]}",
                  lambda plan, as_of, i: DB02_VALUES[i % len(DB02_VALUES)]),
    "DB03": _p_db("DB03", "birth date in the future", _future_birth),
    "DB04": _p_db04,
    "DB05": _p_db("DB05", "born in the 1890s", _old_birth),
    "DB06": _p_db("DB06", lambda i: f"placeholder birth date: {DB06_VALUES[i % 2]}",
                  lambda plan, as_of, i: DB06_VALUES[i % 2]),
    "DB07": _p_db("DB07", lambda i: f"partial birth date: {DB07_VALUES[i % 2]}",
                  lambda plan, as_of, i: DB07_VALUES[i % 2]),
    "DE01": _p_de("DE01", "blank entry date", lambda plan, as_of, i: ""),
    "DE02": _p_de("DE02", "unparseable entry date", lambda plan, as_of, i: DE02_VALUES[i % len(DE02_VALUES)]),
    "DE03": _p_de("DE03", "entry date in the future",
                  lambda plan, as_of, i: dmy(as_of + dt.timedelta(days=int(plan.rng.integers(10, 900))))),
    "DU01": _p_du01,
    "ID01": _p_id01,
    "ID02": _p_id02,
    "ID03": _p_id03,
    "control_multiple_warrants": _p_multiple_warrants,
    "ID04": _p_id04,
    "control_twins": _p_twins,
    "ID05": _p_id05,
    "NM01": _p_nm,
    "OF01": _p_cell("OF01", OFFENCE, OF01_VALUES, lambda v: f"offence {'blank' if not v else 'no-data mark ' + v}"),
    "OF02": _p_cell("OF02", OFFENCE, OF02_VALUES, lambda v: f"unspecified offence: {v}"),
    "OF03": _p_cell("OF03", COURT, OF03_VALUES, lambda v: f"issuing authority {'blank' if not v else v}"),
    "OF04": _p_cell("OF04", CAUSA, [""], lambda v: "warrant reference blank"),
    "OF06": _p_of06,
    "OF07": _p_of07,
    "control_OF07": _p_control_of07,
    "OF08": _p_of08,
    "OF10": _p_cell("OF10", STATUS, OF10_VALUES, lambda v: f"status {v}"),
    "control_OF10": _p_control_of10,
    "OF11": _p_cell("OF11", OFFENCE, OF11_VALUES, lambda v: f"petty offence {v} (an adult)"),
    "OF12": _p_of12,
    "control_OF12": _p_control_of12,
    "OF13": _p_of13,
}


def render(columns: list[pa.Array], encoding: str = "cp1252") -> bytes:
    """The file's bytes: header and records joined by ';', CRLF line ends, in ``encoding``."""
    lines = pc.binary_join_element_wise(*columns, ";")
    lines = pc.binary_join_element_wise(lines, pa.scalar("\r\n"), "")
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset:lines.offset + len(lines) + 1]
    body = lines.buffers()[2].to_pybytes()[offsets[0]:offsets[-1]]
    text = ";".join(HEADERS) + "\r\n" + body.decode("utf-8")
    return text.encode(encoding)


def key_path_for(output: str | Path) -> Path:
    output = Path(output)
    return output.with_name(f"{output.stem}.key.json")


def write_sample(output: str | Path, *, rows: int = 5000, seed: int = 7, as_of: dt.date = dt.date(2026, 11, 22),
                 encoding: str = "cp1252") -> Path:
    """Write the export to ``output`` and its key to ``<stem>.key.json`` beside it (both mode 0600).

    Returns the key's path.
    """
    output = Path(output)
    columns, key = generate(rows, seed, as_of)
    key["encoding"] = encoding
    key["file"] = output.name
    write_private(output, render(columns, encoding))
    key_path = key_path_for(output)
    write_private(key_path, (json.dumps(key, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
    return key_path
