"""Settings of the benchmarks (``python -m bench``): production's, with the floor page added to the URLs.

The floor (``/bench/floor/``, ``apps.portal.floor``) is a page of the framework's floor: the whole middleware
stack, the session, the signed-in user and their second factor as on every portal page, one small query and a tiny
template. It exists only here, never in production's URLs (``partyportal.urls``).
"""

from .production import *  # noqa: F403

ROOT_URLCONF = "partyportal.urls_bench"
