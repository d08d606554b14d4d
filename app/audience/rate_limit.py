"""How often one person and one address may ask and vote (Settings.audience_*_per_minute): moving
windows of one minute, kept by `limits` (in Redis when REDIS_URL is set, so every app process shares
them).

The address limits are high on purpose: a venue's wifi shows the whole room as one address.
"""

from dataclasses import dataclass

from app.registration.rate_limit import RegistrationLimiter

# How many people one address may stand for (a room behind the venue's wifi).
QUESTION_ADDRESS_FACTOR = 24
VOTE_ADDRESS_FACTOR = 50


@dataclass(frozen=True)
class AudienceLimits:
    questions_by_person: RegistrationLimiter
    questions_by_address: RegistrationLimiter
    votes_by_person: RegistrationLimiter
    votes_by_address: RegistrationLimiter

    @classmethod
    def new(cls, redis_url: str | None, questions_per_minute: int, votes_per_minute: int) -> "AudienceLimits":
        def limiter(per_minute: int, name: str) -> RegistrationLimiter:
            return RegistrationLimiter(per_minute, redis_url, key_prefix=f"plenary-audience-{name}")

        return cls(
            limiter(questions_per_minute, "questions-person"),
            limiter(questions_per_minute * QUESTION_ADDRESS_FACTOR, "questions-address"),
            limiter(votes_per_minute, "votes-person"),
            limiter(votes_per_minute * VOTE_ADDRESS_FACTOR, "votes-address"),
        )

    def may_ask(self, person: str, address: str) -> bool:
        return self.questions_by_person.allow(person) and self.questions_by_address.allow(address)

    def may_vote(self, person: str, address: str) -> bool:
        return self.votes_by_person.allow(person) and self.votes_by_address.allow(address)
