"""The hospital of every row: derived from the built-in file's order, pinned here; a user's own column."""

from __future__ import annotations

import pandas as pd
import pytest

import heartnet
from heartnet.data import builtin_hospitals, raw_dataset
from heartnet.errors import DataError, ValidationError
from heartnet.features import HOSPITAL, HOSPITALS


@pytest.fixture(scope="module")
def raw():
    """The verified built-in file as it is, in its own row order (never shuffled)."""
    return raw_dataset()


@pytest.fixture(scope="module")
def with_hospital():
    return heartnet.load_dataset(with_hospital=True)


def test_blocks_are_contiguous_and_in_the_documented_order(raw):
    hospitals = pd.Series(builtin_hospitals())
    assert len(hospitals) == len(raw) == 918
    blocks = hospitals.ne(hospitals.shift()).cumsum()
    assert blocks.max() == 4  # four runs, one per hospital, none interrupted
    starts = {name: int(hospitals.index[hospitals == name][0]) for name, _ in HOSPITALS}
    ends = {name: int(hospitals.index[hospitals == name][-1]) for name, _ in HOSPITALS}
    assert starts == {"Hungary": 0, "Switzerland": 293, "Long Beach VA": 416, "Cleveland": 615}
    assert ends == {"Hungary": 292, "Switzerland": 415, "Long Beach VA": 614, "Cleveland": 917}


def test_the_swiss_block_is_exactly_the_run_of_unmeasured_cholesterol_before_the_va(raw):
    hospitals = builtin_hospitals()
    zero = raw["Cholesterol"].eq(0).to_numpy()
    swiss = hospitals == "Switzerland"
    assert zero[swiss].all()  # Switzerland never measured it
    assert not zero[hospitals == "Hungary"].any() and not zero[hospitals == "Cleveland"].any()
    assert not zero[292] and not zero[416]  # the block's neighbours were measured


def test_the_cleveland_block_opens_with_the_statlog_files_first_three_patients(raw):
    # The UCI Statlog (Heart) file starts 70/M/ASY/130/322/.../2.4/Flat (present), 67/F/NAP/115/564/.../1.6 (absent),
    # 57/M/ATA/124/261 (present): rows 615-617, so row 615 is Cleveland's first, not the VA's last.
    first = raw.iloc[615:618][["Age", "Sex", "ChestPainType", "RestingBP", "Cholesterol", "MaxHR", "Oldpeak"]]
    assert first.values.tolist() == [
        [70, "M", "ASY", 130, 322, 109, 2.4],
        [67, "F", "NAP", 115, 564, 160, 1.6],
        [57, "M", "ATA", 124, 261, 141, 0.3],
    ]
    assert builtin_hospitals()[614] == "Long Beach VA" and builtin_hospitals()[615] == "Cleveland"


def test_counts_rates_and_women_by_hospital(with_hospital):
    grouped = with_hospital.groupby(HOSPITAL, sort=False)
    assert list(grouped.groups) == [name for name, _ in HOSPITALS]
    counts = grouped.size().to_dict()
    # The Kaggle page's 294 / 123 / 200 / 303 less one duplicate in Hungary and one in the VA, and less the
    # VA's row with a resting blood pressure of 0 that the loader drops.
    assert counts == {"Hungary": 293, "Switzerland": 123, "Long Beach VA": 198, "Cleveland": 303}
    diseased = grouped[heartnet.TARGET].sum().to_dict()
    assert diseased == {"Hungary": 106, "Switzerland": 115, "Long Beach VA": 147, "Cleveland": 139}
    women = grouped["Sex"].apply(lambda sex: int((sex == "F").sum())).to_dict()
    assert women == {"Hungary": 80, "Switzerland": 10, "Long Beach VA": 6, "Cleveland": 97}
    assert sum(women.values()) == 193


def test_hospital_is_an_extra_last_column_and_the_features_are_unchanged(with_hospital, dataset):
    assert list(with_hospital.columns) == [*heartnet.FEATURE_NAMES, heartnet.TARGET, HOSPITAL]
    pd.testing.assert_frame_equal(with_hospital.drop(columns=HOSPITAL), dataset)
    assert HOSPITAL not in dataset.columns  # not asked for, not there


def test_hospital_is_never_a_model_field(patient):
    with pytest.raises(ValidationError, match="Hospital"):
        heartnet.validate_row({**patient, HOSPITAL: "Cleveland"})


@pytest.fixture
def labelled_csv(tmp_path, with_hospital):
    """``write(frame)``: a user's labelled CSV with cholesterol written as the file writes it (0 = not measured)."""

    def write(frame: pd.DataFrame, name: str = "mine.csv"):
        path = tmp_path / name
        frame.assign(Cholesterol=frame["Cholesterol"].fillna(0).astype(int)).to_csv(path, index=False)
        return path

    return write


def test_a_users_own_hospital_column_is_read_as_written(labelled_csv, with_hospital):
    sample = with_hospital.iloc[[0, 1, 300, 700]].assign(Hospital=[" A ", "A", "B", "C"])
    loaded = heartnet.load_dataset(labelled_csv(sample), with_hospital=True)
    assert loaded[HOSPITAL].tolist() == ["A", "A", "B", "C"]
    assert HOSPITAL not in heartnet.load_dataset(labelled_csv(sample)).columns  # ignored unless asked for


def test_a_users_file_without_the_column_says_what_it_found(labelled_csv, dataset):
    with pytest.raises(DataError, match=r"needs a 'Hospital' column.*found only Age, Sex"):
        heartnet.load_dataset(labelled_csv(dataset.head(5)), with_hospital=True)


def test_an_empty_hospital_names_its_line(labelled_csv, with_hospital):
    sample = with_hospital.head(4).assign(Hospital=["A", "A", "", "B"])
    with pytest.raises(ValidationError, match=r"line 4.*Hospital") as caught:
        heartnet.load_dataset(labelled_csv(sample), with_hospital=True)
    assert caught.value.field == HOSPITAL and caught.value.row == 4
