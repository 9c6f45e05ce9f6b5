"""The claim scenario: one real claim on a customer's policy, reported through
``claim_report`` and taken through the claim workflow, stage by stage, until it stops where
the plan says (its ``target`` state).

Each stage plans its steps on the story and answers whether the story stops there; the state
the story has reached is the workflow's (``Story.planned``), never tracked here. The draws
from the seeded random stream are made in a fixed order: same seed, same claims.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from claimdesk.claims.models import ItemState
from claimdesk.demo.content import (
    LOSS_PLACES,
    LOSS_STORY,
    PRODUCT_WEIGHTS,
    PRODUCTS,
    RETURN_REASONS,
)
from claimdesk.demo.story import Story, action_target, kind_workflow

# Lines on which customer1 has no claims in the history (see ``_report``).
CUSTOMER1_SPARED = ("medical",)

if TYPE_CHECKING:
    from claimdesk.demo.planner import Planner
    from claimdesk.policies.models import Policy

KIND = "claim"
WITHDRAW_REASONS = ("客户与对方自行协商解决", "重复报案", "客户决定不再索赔")
SATISFACTION_COMMENTS = ("理赔很快", "客服耐心", "材料有点多", "希望进度通知更及时", "")


def withdraw_points() -> list[str]:
    """Where a withdrawn demo claim is withdrawn: the workflow's states, in process order,
    that allow a withdrawal and come before the decision (the state an approval leads to)."""
    wf = kind_workflow(KIND)
    states = wf.state_codes()
    decided = states.index(action_target(KIND, "approve"))
    return [s for s in states[:decided] if wf.find(s, "withdraw")]


# Why a handler tops up the reserve after the survey, per product line.
REVIEW_REASONS = {
    "auto": "查勘后复核：配件需订货、维修周期延长，预留代步及拖车费用，上调10%",
    "medical": "查勘后复核：出院后仍需门诊复查，预留后续治疗费用，上调10%",
    "critical_illness": "查勘后复核：病理报告待补充，预留确诊后续费用，上调10%",
    "accident": "查勘后复核：可能申请伤残鉴定，预留鉴定及后续治疗费用，上调10%",
    "property": "查勘后复核：受损物资清点未完，预留清理及施救费用，上调10%",
}


class ClaimScenario:
    """One claim's story, drawn from the planner's random stream."""

    story: Story  # written by _report(), the first stage

    def __init__(self, planner: Planner, target: str, idle_days: tuple[float, float]):
        self.pl, self.rng, self.p = planner, planner.rng, planner.p
        self.target, self.idle_days = target, idle_days
        self.rejected = action_target(KIND, "reject")
        self.closed = action_target(KIND, "send_rejection_notice")
        self.followed_up = action_target(KIND, "follow_up")

    def draw(self) -> Story:
        self._report()
        self.send_all = self.rng.random() < 0.3  # non-core items come with the first upload
        # Half the claims stopping in adjudication wait for a second signature on a proposal
        # from adjuster2, so adjuster1 has decisions to approve; their materials are on file.
        self.pending = self.target == "adjudicating" and self.rng.random() < 0.5
        withdraw_at = self.rng.choice(withdraw_points()) if self.target == "withdrawn" else None
        self.stop = withdraw_at or self.target
        self._contact()
        stages = (self._materials, self._investigation, self._adjudication, self._payment)
        if not any(stage() for stage in stages):  # ``any`` stops at the first that stops
            self._follow_up()
        return self._finish()

    def done(self) -> bool:
        return self.story.planned == self.stop

    def hours(self, lo: float, hi: float) -> float:
        return self.pl.hours(lo, hi)

    # -- stages --

    def _report(self) -> None:
        rng = self.rng
        self.product = self.pl.pick(PRODUCT_WEIGHTS)
        self.spec = PRODUCTS[self.product]
        self.shanghai = rng.random() < 0.75
        self.detail = rng.choice(self.spec["titles"])
        lo, hi = self.spec["amount"]
        self.amount = rng.randrange(lo, hi, 100)
        policies = self.pl.policies[self.product]
        mine = [p for p in policies if p.holder.username == "customer1"]
        policy = mine[0] if mine and (roll := rng.random()) < 0.15 else rng.choice(policies)
        if policy in mine and self.product in CUSTOMER1_SPARED:
            # customer1's history shows their car and their critical-illness cover; their
            # medical cover stays claim-free, so the ¥280 outpatient claim they report (and
            # the hospital's bill) is a first medical claim and may go straight through. The
            # same draw names another holder: the rest of the demo is unchanged.
            others = [p for p in policies if p not in mine]
            policy = others[int(roll / 0.15 * len(others)) % len(others)]
        self.small = self.product == "auto" and self.amount < 5_000
        channel = rng.choices(("portal", "api", "hotline"), weights=(35, 15, 50))[0]
        self.story = Story(self.pl.start(), kind=KIND)
        self.story.report(
            reporter=self.pl.agent() if channel == "hotline" else policy.holder,
            channel=channel,
            report=self._loss_report(policy),
            loss_hours_ago=(
                self.hours(24, 24 * 20)
                if self.product in ("medical", "critical_illness")
                else self.hours(0.5, 20)
            ),
        )

    def _loss_report(self, policy: Policy) -> dict:
        """What the caller or the form says about the loss (the time is set when it runs)."""
        places = LOSS_PLACES[self.product][0 if self.shanghai else 1]
        return {
            "policy_no": policy.number,
            "insured_name": policy.holder.first_name,
            "loss_place": self.rng.choice(places),
            "loss_cause": self.detail,
            "description": LOSS_STORY[self.product].format(detail=self.detail),
            "loss_type": self.product,
            "estimated_amount": str(self.amount),
            "contact_phone": f"1390021{policy.number[-4:]}",
        }

    def _contact(self) -> None:
        """Contact within the working day mostly, sometimes days late (a breach); then the
        customer uploads the core items (all of them with ``send_all``)."""
        if self.done():
            return
        rng, story = self.rng, self.story
        story.wait(self.hours(0.3, 6) if rng.random() < 0.85 else self.hours(30, 90))
        story.act("contact", note="已电话联系客户，告知一次性材料清单")
        partial = self.stop == "reviewing" and rng.random() < 0.5
        story.wait(self.hours(0.5, 20)).items(
            ItemState.RECEIVED,
            by="customer",
            states=(ItemState.MISSING,),
            core_only=not self.send_all,
            limit=2 if partial else None,
            documents=self.pending,
        )

    def _materials(self) -> bool:
        """Sometimes an item is returned and supplementary materials are requested."""
        rng, story = self.rng, self.story
        wants = self.stop == "awaiting_materials" or (
            self.stop != "reviewing" and rng.random() < 0.35
        )
        if not self.done() and wants:
            story.wait(self.hours(0.5, 6)).items(
                ItemState.RETURNED,
                by="owner",
                states=(ItemState.RECEIVED,),
                core_only=True,
                limit=1,
                reason=rng.choice(RETURN_REASONS),
            )
            story.wait(self.hours(1, 30)).act("request_materials", items=self.spec["materials"])
            if not self.done():
                story.wait(self.hours(24, 24 * 9)).items(
                    ItemState.RECEIVED,
                    by="customer",
                    states=(ItemState.RETURNED, ItemState.MISSING),
                    core_only=True,
                    documents=self.pending,
                )
                story.act("materials_received")
        return self.done()

    def _investigation(self) -> bool:
        """容缺受理 (every core item accepted), then a survey or straight to adjudication."""
        rng, story = self.rng, self.story
        investigate = self.stop == "investigating" or (
            not self.small and rng.random() < self.spec["investigate"]
        )
        if self.stop == "adjudicating" and rng.random() < 0.5:
            investigate = False
        story.wait(self.hours(1, 40))
        story.items(ItemState.ACCEPTED, by="owner", states=(ItemState.RECEIVED,))
        if not investigate:
            story.act("send_to_adjudication")
            return False
        story.act("send_to_investigation")
        story.wait(0.2).survey(self.p["surveyor1"] if self.shanghai else self.p["surveyor2"])
        if self.done():
            return True
        story.wait(self.hours(4, 40) if rng.random() < 0.85 else self.hours(50, 90))
        story.survey_report(self.amount)
        # The handler tops the reserve up for what a survey seldom sees at first (follow-up
        # costs, a slower repair): a manual change with its reason in the reserve history.
        story.reserve_review("1.1", REVIEW_REASONS[self.product])
        return False

    def _adjudication(self) -> bool:
        """The adjuster's review and decision; a proposal may wait for a second signature."""
        rng, story = self.rng, self.story
        self.adjuster = (
            self.p["adjuster1"] if self.shanghai or rng.random() < 0.3 else self.p["adjuster2"]
        )
        if self.pending:  # adjuster2 proposes; the signature goes to the lowest able level
            self.adjuster = self.p["adjuster2"]
        story.wait(0.3).assign(
            "review", kind="review", title=f"理赔核定：{self.detail}", assignee=self.adjuster
        )
        if self.done():
            if self.pending:
                story.wait(self.hours(1, 20)).decide(
                    self.adjuster, product=self.product, amount=self.amount, sign=False
                )
            return True
        # Now and then a complex case overruns the statutory 30 days (closed ones only, so
        # the open backlog stays believable).
        ends_closed = self.target in (self.closed, self.followed_up)
        slow = ends_closed and rng.random() < 0.1
        story.wait(self.hours(24 * 25, 24 * 35) if slow else self.hours(2, 24 * 4))
        self.reject = self.target == self.rejected or (ends_closed and rng.random() < 0.15)
        reason = rng.choice(self.spec["reject"]) if self.reject else ""
        story.decide(self.adjuster, product=self.product, amount=self.amount, reject=reason)
        story.wait(0.1).complete("review", f"拒赔：{reason}" if self.reject else "核定完成")
        # A signed rejection is closed at once: "rejected" claims stop right here.
        return self.reject and self.target == self.rejected

    def _payment(self) -> bool:
        """Finance pays an approved claim; small ones within a day mostly."""
        if self.reject:
            return self.done()
        rng, story = self.rng, self.story
        if self.done():  # stops while paying: perhaps instructed or sent already
            if rng.random() < 0.6:
                story.wait(self.hours(0.2, 3)).pay(rng.choice(["instructed", "sent"]))
            return True
        if self.small:
            story.wait(self.hours(1, 20) if rng.random() < 0.8 else self.hours(26, 50))
        else:
            story.wait(
                self.hours(6, 24 * 5) if rng.random() < 0.85 else self.hours(24 * 8, 24 * 11)
            )
        story.pay("confirmed")
        return self.done()

    def _follow_up(self) -> None:
        """The satisfaction survey is the follow-up; most customers answer it."""
        rng = self.rng
        self.story.wait(
            self.hours(4, 24 * 3) if rng.random() < 0.85 else self.hours(24 * 5, 24 * 7)
        )
        answer = (
            (rng.choice([3, 4, 4, 5, 5, 5]), rng.randint(5, 10), rng.choice(SATISFACTION_COMMENTS))
            if rng.random() < 0.7
            else None
        )
        self.story.survey_customer(answer)

    def _finish(self) -> Story:
        if self.target == "withdrawn":
            self.story.wait(self.hours(1, 48))
            self.story.act("withdraw", reason=self.rng.choice(WITHDRAW_REASONS))
        if self.target != self.rejected:  # the plan ends where it says (checked, not assumed)
            assert self.story.planned == self.target, (self.target, self.story.planned)
        self.pl.place(self.story, self.idle_days)
        return self.story
