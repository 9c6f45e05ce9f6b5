from datetime import date
from decimal import Decimal

from ninja import Router, Schema
from ninja.pagination import paginate

from claimdesk.bounds import LimitOffset
from claimdesk.policies.selectors import policies_visible_to
from claimdesk.types import AuthedRequest

router = Router(tags=["policies"])


class PolicyOut(Schema):
    number: str
    product: str
    product_name: str
    line: str
    start: date
    end: date
    sum_insured: Decimal
    status: str

    @staticmethod
    def resolve_product(obj) -> str:
        return obj.product.code

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name

    @staticmethod
    def resolve_line(obj) -> str:
        return obj.product.line


@router.get("/policies", response=list[PolicyOut])
@paginate(LimitOffset)
def policy_list(request: AuthedRequest, number: str | None = None):
    """A customer's own policies; staff may look one up with ``?number=``."""
    policies = policies_visible_to(request.user)
    if number:
        policies = policies.filter(number=number)
    return policies.order_by("-start", "number")
