from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("org/", views.org_tree, name="org_tree"),
    path("org/<int:pk>/", views.node_detail, name="node_detail"),
    path("people/", views.person_list, name="person_list"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("me/", views.my_profile, name="my_profile"),
    path("dashboards/", views.dashboards, name="dashboards"),
]
