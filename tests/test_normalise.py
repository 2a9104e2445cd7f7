import datetime as dt

import pandas as pd
import pytest

from normalised_contract import normalised_schema
from dbhygiene.mapping import map_columns
from dbhygiene.catalogue import load_profile
from dbhygiene.normalise import normalise, normalise_id, parse_dates

MONTH_NAMES = load_profile("generic")["month_names"]
AS_OF = dt.date(2026, 11, 22)


def dates(values, dayfirst=True, order=None):
    out, note = parse_dates(pd.Series(values, dtype="str"), dayfirst=dayfirst, order=order, as_of=AS_OF,
                            no_data_tokens=("S/D", "N/D"), month_names=MONTH_NAMES)
    return out, note


def test_library_traps_hold():
    out, _ = dates(["31/02/1980", "1979/05/12", "12/05/1979", "1979-05-12", "13/01/1990"])
    assert out["status"].tolist() == ["invalid", "ok", "ok", "ok", "ok"]
    # pyarrow strptime would roll 31/02 over to 2 March; we refuse it
    assert pd.isna(out["date"].iloc[0])
    # pandas format="mixed" reads 1979/05/12 as 5 December; year-first is always y-m-d
    assert out["date"].iloc[1] == pd.Timestamp("1979-05-12")
    # a column mixing dd/mm/yyyy and ISO keeps both (polars would drop one format)
    assert out["date"].iloc[2] == out["date"].iloc[3] == pd.Timestamp("1979-05-12")


def test_invalid_and_partial_statuses():
    out, _ = dates(["29/02/2001", "29/02/2000", "15/13/1985", "00/00/0000", "S/D", "", None, "1985", "12/1979",
                    "1979-12", "13/01/1990"])
    assert out["status"].tolist() == ["invalid", "ok", "invalid", "invalid", "invalid", "blank", "blank",
                                      "partial", "partial", "partial", "ok"]
    assert out["year"].tolist()[7:10] == [1985, 1979, 1979]


def test_order_proven_by_values_resolves_ambiguity():
    out, note = dates(["03/10/2002", "25/12/1990"])
    assert note.settled_by == "values" and note.order == "dmy"
    assert out["status"].tolist() == ["ok", "ok"]
    assert out["date"].iloc[0] == pd.Timestamp("2002-10-03")


def test_unsettled_order_marks_ambiguous_and_uses_profile():
    out, note = dates(["03/10/2002", "05/05/1990"], dayfirst=True)
    assert note.settled_by == "profile" and note.ambiguous_rows == 1
    assert out["status"].tolist() == ["ambiguous", "ok"]  # 05/05 reads the same either way
    assert out["date"].iloc[0] == pd.Timestamp("2002-10-03")
    out, note = dates(["03/10/2002"], dayfirst=False)
    assert out["date"].iloc[0] == pd.Timestamp("2002-03-10")


def test_contradictory_column_is_reported():
    out, note = dates(["25/12/1990", "12/25/1990", "03/10/2002"])
    assert note.settled_by == "contradictory"
    assert note.day_first_evidence == 1 and note.month_first_evidence == 1
    assert out["date"].iloc[1] == pd.Timestamp("1990-12-25")  # only one valid reading
    assert out["status"].iloc[2] == "ambiguous"
    assert "contradict" in note.describe()


def test_explicit_order_wins():
    out, note = dates(["03/10/2002", "25/12/1990"], order="mdy")
    assert note.settled_by == "date-format"
    assert out["date"].iloc[0] == pd.Timestamp("2002-03-10")
    assert out["status"].iloc[1] == "invalid"  # month 25


def test_each_distinct_value_parsed_once_and_broadcast():
    values = ["25/02/1980"] * 1000 + ["1980-02-25"] * 1000
    out, _ = dates(values)
    assert out["date"].nunique() == 1 and (out["status"] == "ok").all()


def test_month_names_in_spanish_and_english():
    out, _ = dates(["12 de marzo de 1985", "12 Feb 1961", "marzo de 1985"])
    assert out["date"].iloc[0] == pd.Timestamp("1985-03-12")
    assert out["date"].iloc[1] == pd.Timestamp("1961-02-12")
    assert out["status"].iloc[2] == "partial"


@pytest.mark.parametrize(("raw", "norm"), [("12.345.678", "12345678"), (" 20-12345678-9 ", "20123456789"),
                                           ("ab 123", "AB123"), ("", None)])
def test_normalise_id(raw, norm):
    got = normalise_id(pd.Series([raw], dtype="str")).iloc[0]
    assert (pd.isna(got) and norm is None) or got == norm


def test_name_keys_ignore_case_accents_punctuation_and_order():
    frame = pd.DataFrame({"APELLIDO Y NOMBRE": pd.Series(["GONZÁLEZ, JUAN CARLOS", "Juan Carlos Gonzalez",
                                                          "GONZALEZ JUAN", None], dtype="str")})
    norm = normalise(frame, map_columns(list(frame.columns)), profile={"dayfirst": True}, as_of=AS_OF)
    keys = norm.frame["full_name__key"].tolist()
    assert keys[0] == keys[1] == "carlos gonzalez juan"
    assert keys[2] != keys[0] and pd.isna(keys[3])
    assert norm.frame["full_name"].iloc[0] == "GONZÁLEZ, JUAN CARLOS"  # original kept


@pytest.mark.parametrize("names", [
    # the second distinct name shares the first one's key; blanks, a name that cleans to nothing
    ["Juan Carlos Gonzalez", "GONZÁLEZ, JUAN CARLOS", None, "...", "ANA DIAZ", "JUAN GONZALEZ", "ana  díaz", None],
    # the first record has no name: its code is -1 and the codes start at the second
    [None, "  ", "B A", "A B", "C", "a b", "c", "D"],
    [None, None],  # no name at all
])
def test_the_name_key_factorization_is_the_columns_own(names):
    # normalise hands the identity rules and the verdict the factorization of full_name__key it
    # knows from the distinct names; it must be exactly what pd.factorize of the column gives
    frame = pd.DataFrame({"APELLIDO Y NOMBRE": pd.Series(names, dtype="str")})
    norm = normalise(frame, map_columns(list(frame.columns)), profile={"dayfirst": True}, as_of=AS_OF)
    codes, uniques = norm.factorized["full_name__key"]
    want_codes, want_uniques = pd.factorize(norm.frame["full_name__key"], use_na_sentinel=True)
    assert codes.tolist() == want_codes.tolist()
    assert list(uniques) == list(want_uniques) and uniques.dtype == want_uniques.dtype


def test_prepare_seeds_the_run_with_the_name_key_factorization(tmp_path):
    from dbhygiene.api import Settings, prepare

    path = tmp_path / "list.csv"
    path.write_text("nombre;dni\nDIAZ, ANA;1\nANA DIAZ;2\n;3\nPEREZ JUAN;4\n", encoding="utf-8")
    ctx = prepare(path, Settings(as_of=AS_OF))
    seeded = ctx.memo("factorized")["full_name__key"]
    assert seeded[0].tolist() == [0, 0, -1, 1]
    assert ctx.factorized("full_name__key") is seeded
    ids = ctx.memo("factorized")["national_id__norm"]
    assert ids[0].tolist() == [0, 1, 2, 3] and list(ids[1]) == ["1", "2", "3", "4"]


def test_full_name_composed_from_parts():
    frame = pd.DataFrame({"apellido": pd.Series(["PEREZ", None], dtype="str"),
                          "nombres": pd.Series(["JUAN", "ANA"], dtype="str")})
    norm = normalise(frame, map_columns(list(frame.columns)), profile={"dayfirst": True}, as_of=AS_OF)
    assert norm.frame["full_name"].tolist() == ["PEREZ, JUAN", "ANA"]


def test_normalised_frame_honours_the_contract():
    frame = pd.DataFrame({
        "nombre": pd.Series(["PÉREZ, ANA", "  ", None, "GOMEZ JUAN"], dtype="str"),
        "dni": pd.Series(["12.345.678", None, "S/D", "2O123456"], dtype="str"),
        "fecha nacimiento": pd.Series(["31/02/1980", "1985", "03/10/2002", None], dtype="str"),
        "fecha alta": pd.Series(["2020-01-01", "05/06/2020", "x", "01/01/2019"], dtype="str"),
    })
    norm = normalise(frame, map_columns(list(frame.columns)), profile={"dayfirst": True}, as_of=AS_OF)
    normalised_schema().validate(norm.frame, lazy=True)
    assert pd.isna(norm.frame["full_name__clean"].iloc[1])  # whitespace-only name is no name



def test_the_suite_checks_every_normalised_frame_at_the_stage_boundary(tmp_path, monkeypatch):
    import dbhygiene.api as api
    import dbhygiene.normalise as normalise_module
    from dbhygiene.api import Settings, check_path

    assert getattr(api.normalise, "checks_the_contract", False)  # conftest put the check at the boundary
    path = tmp_path / "x.csv"
    path.write_text("nombre;fecha nacimiento\nANA PEREZ;1980\n", encoding="utf-8")
    check_path(path, Settings())  # the real normalise honours the contract
    real = normalise_module.normalise

    def float_years(*args, **kwargs):
        norm = real(*args, **kwargs)
        norm.frame["birth_date__year"] = norm.frame["birth_date__year"].astype("float64")
        return norm

    monkeypatch.setattr(normalise_module, "normalise", float_years)
    with pytest.raises(AssertionError, match="birth_date__year: float64, the contract says Int64"):
        check_path(path, Settings())


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("who", ["helper", "nobody", "both"])
def test_names_shared_with_a_helper_give_the_same_keys(seed, who, monkeypatch):
    """``_distinct_apply`` with a helper offers pieces of the distinct names, the broadcasts and the
    key codes to another thread; the cleaned names, keys and key codes are the ones one thread makes
    (blank, accented, repeated and missing names included, and cuts inside runs of equal results),
    whether the helper takes every offer (the names thread waits for each), none (the names thread
    runs them all) or races for them."""
    import random
    import threading

    import numpy as np
    import pandas as pd

    from dbhygiene import normalise as N

    rng = random.Random(seed)
    words = ["GONZÁLEZ", "juan", "Pérez", "MARÍA", "  ", "", "O'NEIL", "josé-luis", "ÑANDÚ", "1980"]
    values = [None if rng.random() < 0.05 else " ".join(rng.choice(words) for _ in range(rng.randint(0, 4)))
              for _ in range(rng.randint(0, 400))]
    series = pd.Series(pd.array(values, dtype="str"))
    fns = (N.strip_accents_casefold, N.sort_tokens)
    one = N._distinct_apply(series, *fns, factorize_last=True)
    monkeypatch.setattr(N, "HELP_MIN_DISTINCT", 2)
    helper = N.Helper()
    ran = {"helper": 0}
    if who == "helper":  # every offer run by the helper, before the names thread may take it back
        real_run = N.Job.claim_and_run
        monkeypatch.setattr(N.Helper, "offer", lambda self, fn, *args: (
            job := N.Job(fn, args), real_run(job), ran.__setitem__("helper", ran["helper"] + 1))[0])
    worker = threading.Thread(target=helper.help) if who == "both" else None
    if worker is not None:
        worker.start()
    try:
        two = N._distinct_apply(series, *fns, factorize_last=True, helper=helper)
    finally:
        helper.close()
        if worker is not None:
            worker.join(timeout=30)
    if who == "helper" and len(set(values) - {None}) >= 2:
        assert ran["helper"] >= 3  # pieces of the names and the broadcasts were the helper's
    for a, b in zip(one[:2], two[:2]):
        assert a.equals(b) and str(a.dtype) == str(b.dtype)
    assert np.array_equal(one[2][0], two[2][0]) and list(one[2][1]) == list(two[2][1])


def test_a_failing_offer_reaches_the_names_thread_and_the_helper_returns():
    """An exception in a job the helper ran is raised where its result is taken; ``help`` returns
    once the names thread closes it, so the main thread never hangs."""
    import threading

    from dbhygiene import normalise as N

    helper = N.Helper()
    job = helper.offer(lambda: 1 / 0)
    worker = threading.Thread(target=helper.help)
    worker.start()
    with pytest.raises(ZeroDivisionError):
        job.result()
    helper.close()
    worker.join(timeout=10)
    assert not worker.is_alive()
