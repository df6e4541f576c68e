"""统一社会信用代码 check characters, against codes built here by the published GB 32100-2015 rule (its weight
table and alphabet written out as the standard prints them, not taken from the code under test)."""

from __future__ import annotations

import pytest

from data_layer import credit_code

# GB 32100-2015, table 1 and clause 5: the 31 characters and the weights of positions 1-17.
STANDARD_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
STANDARD_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def by_the_standard(first17: str) -> str:
    total = sum(STANDARD_ALPHABET.index(ch) * w for ch, w in zip(first17, STANDARD_WEIGHTS, strict=True))
    check = 31 - total % 31
    return first17 + STANDARD_ALPHABET[0 if check == 31 else check]


BUILT = [by_the_standard(body) for body in ("91440106MA5CKQ7R2", "91110000100000000", "12440000455858013",
                                            "91440300708461136", "52440106MJL0001X0", "9144010100000000Y")]


def test_the_standards_own_example_and_codes_built_by_its_rule_are_valid() -> None:
    assert credit_code.problem("91350100M000100Y43") is None  # the example printed in GB 32100-2015
    # hand-worked: 91440106MA5CKQ7R2 -> weighted sum 2,879, 2,879 mod 31 = 27, 31 - 27 = 4 -> check character "4"
    assert BUILT[0] == "91440106MA5CKQ7R24"
    for code in BUILT:
        assert credit_code.problem(code) is None, code
        assert credit_code.is_valid(code.lower()) and credit_code.is_valid(" " + code.replace("9", "９", 1))


@pytest.mark.parametrize("code", BUILT)
def test_any_one_character_changed_is_refused(code: str) -> None:
    for position in range(18):
        for replacement in ("0", "A", "Y"):
            if code[position] == replacement:
                continue
            changed = code[:position] + replacement + code[position + 1:]
            assert credit_code.problem(changed) is not None, (code, position, replacement)


def test_wrong_length_letters_outside_the_alphabet_and_division_letters_are_named() -> None:
    code = BUILT[0]
    assert credit_code.problem(code[:17]) == "credit_length"
    assert credit_code.problem(code + "0") == "credit_length"
    assert credit_code.problem("") == "credit_length"
    assert credit_code.problem(code[:10] + "I" + code[11:]) == "credit_characters"  # I, O, S, V, Z are not used
    assert credit_code.problem(code[:17] + "Z") == "credit_characters"
    body = "91A40106MA5CKQ7R2"  # a letter where the division code's digits go
    assert credit_code.problem(by_the_standard(body)) == "credit_division"
    assert credit_code.problem(code[:17] + ("5" if code[17] != "5" else "6")) == "credit_check"
