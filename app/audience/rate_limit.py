"""How often one person and one address may ask and vote: moving windows of one minute, kept by `limits`
(in Redis when REDIS_URL is set, so every app process shares them).

The address limits are high on purpose: a venue's wifi shows the whole room as one address.
"""

from dataclasses import dataclass

from app.registration.rate_limit import RegistrationLimiter

QUESTIONS_PER_PERSON = 5
QUESTIONS_PER_ADDRESS = 120
VOTES_PER_PERSON = 60
VOTES_PER_ADDRESS = 3000


@dataclass(frozen=True)
class AudienceLimits:
    questions_by_person: RegistrationLimiter
    questions_by_address: RegistrationLimiter
    votes_by_person: RegistrationLimiter
    votes_by_address: RegistrationLimiter

    @classmethod
    def new(cls, redis_url: str | None) -> "AudienceLimits":
        def limiter(per_minute: int, name: str) -> RegistrationLimiter:
            return RegistrationLimiter(per_minute, redis_url, key_prefix=f"plenary-audience-{name}")

        return cls(
            limiter(QUESTIONS_PER_PERSON, "questions-person"),
            limiter(QUESTIONS_PER_ADDRESS, "questions-address"),
            limiter(VOTES_PER_PERSON, "votes-person"),
            limiter(VOTES_PER_ADDRESS, "votes-address"),
        )

    def may_ask(self, person: str, address: str) -> bool:
        return self.questions_by_person.allow(person) and self.questions_by_address.allow(address)

    def may_vote(self, person: str, address: str) -> bool:
        return self.votes_by_person.allow(person) and self.votes_by_address.allow(address)
