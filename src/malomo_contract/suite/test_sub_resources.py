"""Records under one parent are never served through another: a sub-list (`/parents/{a}/children`) holds only
its parent's records, and a nested item (`/parents/{a}/children/{b}`) read through another parent answers 404.
Both are found in the spec: any list or item operation under a parent's path parameter.
"""

from __future__ import annotations

import pytest

from malomo_contract.contract_checks import request_is_refused_with
from malomo_contract.customers_api import ContractViolation, CustomersApi
from malomo_contract.list_growers import LISTS, ListUnderTest
from malomo_contract.profiles import Profile
from malomo_contract.record_fields import ID_FIELD
from malomo_contract.spec_contract import Operation, operations
from malomo_contract.target import ContractTarget
from malomo_contract.walk_checks import sub_lists_share_no_record

pytestmark = pytest.mark.writes

SUB_LISTS = [op for op in operations() if op.is_list and op.path_parameters]
# A nested item: a GET whose path is a sub-list's plus one more parameter.
NESTED_ITEMS = [
    (item, sub_list)
    for sub_list in SUB_LISTS
    for item in operations()
    if item.method == "GET"
    and item.path.startswith(sub_list.path + "/{")
    and item.path.count("/") == sub_list.path.count("/") + 1
]


def _grown(list_op: Operation, api: CustomersApi, target: ContractTarget, records: int) -> ListUnderTest:
    made = LISTS[list_op.operation_id](api, target)
    if made is None or made.grow is None:
        pytest.skip(f"{list_op.label}: the suite cannot add records to this list")
    for _ in range(records):
        made.grow()
    return made


@pytest.mark.parametrize("list_op", SUB_LISTS, ids=[op.operation_id for op in SUB_LISTS])
def test_sub_list_holds_only_its_parents_records(
    list_op: Operation, api: CustomersApi, contract_target: ContractTarget, profile: Profile
) -> None:
    first = _grown(list_op, api, contract_target, 2)
    second = _grown(list_op, api, contract_target, 1)
    walks = [
        api.walk(api.first_page(made.path), rel="next", max_pages=profile.max_walk_pages)
        for made in (first, second)
    ]
    sub_lists_share_no_record(walks[0], walks[1], f"{list_op.label} for two parents")


def test_nested_items_read_through_another_parent_are_not_found(
    api: CustomersApi, contract_target: ContractTarget
) -> None:
    if not NESTED_ITEMS:
        pytest.skip("the spec has no nested item operation (`/parents/{a}/children/{b}`)")
    for item_op, list_op in NESTED_ITEMS:
        owner = _grown(list_op, api, contract_target, 1)
        other = _grown(list_op, api, contract_target, 0)
        items = api.first_page(owner.path).items
        if not items:
            raise ContractViolation(f"{list_op.label}: the list is empty after a record was added to it")
        child_name = item_op.path_parameters[-1]
        child = str(items[0].get(ID_FIELD))
        own = api.http.get(item_op.url_path({**owner.parameters, child_name: child}))
        api.expect_object(own, f"{item_op.label} through its own parent")
        through_other = api.http.get(item_op.url_path({**other.parameters, child_name: child}))
        request_is_refused_with(404, through_other, f"{item_op.label} through another parent")
