"""The benchmark's floor page (``partyportal.urls_bench``, never in production's URLs).

What every portal page pays and nothing more: the whole middleware stack, the session, the signed-in user and their
second factor, the context processors, one small query (the user's name on their record) and a tiny template. The
bench reports each page's throughput as a ratio of this one's (``bench.pages``).
"""

from django.shortcuts import render

from apps.people.models import Person


def floor(request):
    name = Person.objects.filter(user_id=request.user.pk).values_list("name", flat=True).first()
    return render(request, "portal/floor.html", {"name": name or request.user.get_username()})
