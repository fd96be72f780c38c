import datetime

from tests.dates import TODAY

__all__ = ["TODAY"]

D = datetime.date


def take_to_candidate(world, case, record):
    record(case, "applicant_talk", D(2024, 9, 20))
    record(case, "activist_designated", D(2024, 10, 8))
    record(case, "activist_filed", D(2024, 10, 15), who="staff")
    record(case, "contacts_assigned", D(2024, 10, 8), people=[world.people["member_a"], world.people["organiser_a"]])
    record(case, "activist_evaluation", D(2025, 4, 8))
    record(case, "candidate_designated", D(2025, 10, 9))
