"""What each action code of the audit log means, in the reader's language.

One table for every app: the log is read in one place (the admin), and the codes are plain strings that the apps
above pass to ``audit_record``, so no app needs importing here. ``tests/audit/test_actions.py`` fails when a code
written by ``audit_record(action="…")`` anywhere under ``apps/`` has no label: a new action comes with its label.
"""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    # reports
    "reports.run_requested": _("Report asked for"),
    "reports.downloaded": _("Report downloaded"),
    # sign-in and accounts
    "auth.login": _("Signed in"),
    "auth.logout": _("Signed out"),
    "auth.login_failed": _("Sign-in failed"),
    "auth.session_expired": _("Session expired"),
    "auth.otp_enrolled": _("Authenticator app set up"),
    "auth.otp_verified": _("Second factor given"),
    "auth.otp_failed": _("Wrong second-factor code"),
    "auth.password_changed": _("Password changed"),
    "account.language": _("Language changed"),
    "access.denied": _("Access refused (outside the user's organisations)"),
    "access.synced": _("Access rights updated from posts"),
    # organisation tree
    "org.node_created": _("Organisation added"),
    "org.node_updated": _("Organisation changed"),
    "org.policy_updated": _("Organisation rules changed"),
    "org.post_assigned": _("Post assigned"),
    "org.post_ended": _("Post ended"),
    "org.term_opened": _("Committee term opened"),
    "org.term_shifted": _("Committee term moved"),
    # people
    "people.created": _("Person added"),
    "people.updated": _("Person's details changed"),
    "people.moved": _("Person moved to another organisation"),
    "people.status_changed": _("Political status changed"),
    "people.placed": _("Member's organisation or roll changed"),
    "people.id_number_conflict": _("ID card number refused: recorded in another organisation"),
    "people.family_added": _("Family member added"),
    "people.sensitive_viewed": _("Sensitive details viewed"),
    # documents
    "documents.uploaded": _("Document uploaded"),
    "documents.downloaded": _("Document downloaded"),
    # working-day calendar
    "calendar.year_loaded": _("Holiday arrangement of a year entered"),
    # membership development
    "lifecycle.case_opened": _("Development case opened"),
    "lifecycle.case_imported": _("Development case imported"),
    "lifecycle.step_recorded": _("Development step recorded"),
    "lifecycle.rule_set_created": _("Rule set added"),
    "lifecycle.rule_set_changed": _("Rule set changed"),
    "lifecycle.rule_set_chosen": _("Committee's rule set chosen"),
    "lifecycle.cases_exported": _("Development cases exported"),
    "lifecycle.case_transferred": _("Development case moved with its person's transfer"),
    "lifecycle.document_attached": _("Archive document attached to a step"),
    # organisational life
    "lifecycle.vote_corrected": _("Vote counts corrected"),
    "orglife.meeting_arranged": _("Meeting arranged"),
    "orglife.meeting_changed": _("Meeting changed"),
    "orglife.meeting_cancelled": _("Meeting cancelled"),
    "orglife.meeting_notified": _("Meeting notice sent"),
    "orglife.invited": _("Invitee added to a meeting"),
    "orglife.leave_requested": _("Leave from a meeting requested"),
    "orglife.leave_decided": _("Leave request decided"),
    "orglife.attendance_recorded": _("Attendance recorded"),
    "orglife.attendance_corrected": _("Attendance corrected"),
    "orglife.minutes_recorded": _("Minutes recorded"),
    "orglife.document_attached": _("Document attached to a meeting"),
    "orglife.vote_recorded": _("Vote recorded in a meeting"),
    "orglife.plan_copied": _("Yearly plan copied"),
    "orglife.plan_item_added": _("Plan item added"),
    "orglife.plan_item_removed": _("Plan item removed"),
    "orglife.policy_changed": _("Organisational life policy changed"),
    "orglife.study_declared": _("Study hours declared"),
    "orglife.study_decided": _("Declared study hours decided"),
    # party dues
    "appraisal.opened": _("Democratic appraisal opened"),
    "appraisal.policy_saved": _("Appraisal policy saved"),
    "appraisal.closed": _("Democratic appraisal's voting closed"),
    "appraisal.paper_counts": _("Paper ballots of an appraisal counted"),
    "appraisal.grades_fixed": _("Appraisal grades fixed by the branch meeting"),
    "appraisal.reviewed": _("Appraisal grade reviewed by the committee"),
    "appraisal.follow_up": _("Follow-up of an appraisal grade recorded"),
    "appraisal.survey_opened": _("Satisfaction survey opened"),
    "appraisal.survey_closed": _("Satisfaction survey closed"),
    "appraisal.survey_paper_counts": _("Paper questionnaires of a survey counted"),
    "appraisal.report_opened": _("Secretary's report opened for grading"),
    "appraisal.report_closed": _("Grading of a secretary's report closed"),
    "appraisal.report_paper_counts": _("Paper ballots of a report counted"),
    "dues.base_declared": _("Dues base declared"),
    "dues.base_confirmed": _("Dues base confirmed"),
    "dues.base_returned": _("Dues base returned for correction"),
    "dues.month_opened": _("Dues month opened"),
    "dues.months_followed_transfer": _("Unpaid dues months moved with a transfer"),
    "dues.paid": _("Dues paid"),
    "dues.payment_corrected": _("Dues payment corrected"),
    "dues.policy_saved": _("Dues rate policy saved"),
    "dues.relief_proposed": _("Dues exemption or reduction proposed"),
    "dues.relief_approved": _("Dues exemption or reduction approved"),
    "dues.relief_refused": _("Dues exemption or reduction refused"),
    "dues.remitted": _("Dues remitted upward"),
    "dues.remittance_corrected": _("Dues remittance corrected"),
    "dues.used": _("Use of dues recorded"),
    "dues.use_corrected": _("Use of dues corrected"),
    # membership history and transfers
    "membership.period_begun": _("Membership period begun"),
    "membership.ended": _("Left the roll"),
    "membership.transfer_requested": _("Transfer requested"),
    "membership.transfer_accepted": _("Transfer accepted"),
    "membership.transfer_receipted": _("Receipt of a transfer letter returned"),
    "membership.transfer_refused": _("Transfer refused"),
    "membership.transfer_cancelled": _("Transfer cancelled"),
    "membership.participation_recorded": _("Participation elsewhere recorded"),
    "membership.contact_lost": _("Member out of contact"),
    "membership.contact_found": _("Member in contact again"),
    # disclosure
    "disclosure.category_saved": _("Disclosure category saved"),
    "disclosure.notice_opened": _("Development notice opened"),
    "disclosure.notice_drafted": _("Notice drafted"),
    "disclosure.notice_edited": _("Notice draft edited"),
    "disclosure.notice_attached": _("Attachment added to a notice"),
    "disclosure.notice_checked": _("Notice checked"),
    "disclosure.notice_approved": _("Notice approved"),
    "disclosure.notice_published": _("Notice published"),
    "disclosure.notice_corrected": _("Notice corrected"),
    "disclosure.correction_drafted": _("Correction of a notice drafted"),
    "disclosure.correction_published": _("Correction of a notice published"),
    "disclosure.notice_returned": _("Notice returned to its author"),
    "disclosure.notice_held": _("Notice put on hold"),
    "disclosure.notice_resumed": _("Notice resumed"),
    "disclosure.notice_closed": _("Notice window closed"),
    "disclosure.notice_archived": _("Notice archived"),
    "disclosure.objection_filed": _("Objection filed"),
    "disclosure.objection_resolved": _("Objection answered"),
    "disclosure.subject_replied": _("Person concerned replied to an objection"),
    # reminders
    "notifications.rule_created": _("Reminder rule added"),
    "notifications.rule_changed": _("Reminder rule changed"),
    "notifications.preference_changed": _("Reminder e-mail preference changed"),
    "notifications.calendar_token_created": _("Calendar feed address made"),
    "notifications.calendar_token_revoked": _("Calendar feed address revoked"),
    "notifications.email_failed": _("Reminder e-mail failed"),
    "notifications.email_retried": _("Failed e-mails sent again"),
    # demo data
    "demo.seeded": _("Demo data loaded"),
}


def action_label(code: str) -> str:
    """The label of an action code; the code itself for one without a label."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code
