"""Which students of a school hold a loan device, with the devices' asset tags. The loans
live above the accounts, which never import them: the loans register the answer
(SchedulingConfig.ready), and a roster preview asks it about the students who leave."""

from collections.abc import Callable

from inventory.models import School

LoanHolders = Callable[[School], dict[int, list[str]]]

_answers: list[LoanHolders] = []


def loan_holders_register(answer: LoanHolders) -> None:
    if answer not in _answers:
        _answers.append(answer)


def loan_holders(school: School) -> dict[int, list[str]]:
    """Person id → the asset tags of the loan devices they hold; empty without loans."""
    held: dict[int, list[str]] = {}
    for answer in _answers:
        for person_id, tags in answer(school).items():
            held.setdefault(person_id, []).extend(tags)
    return held
