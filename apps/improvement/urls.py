from django.urls import path

from . import views

app_name = "improvement"

urlpatterns = [
    path("", views.actions, name="home"),
    path("actions/export.xlsx", views.actions_export, name="actions_export"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("actions/<int:pk>/<str:move>/", views.action_post, name="action_post"),
    path("findings/", views.findings, name="findings"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("inspections/", views.inspections, name="inspections"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/draw/", views.inspection_draw_view, name="inspection_draw"),
    path("inspections/<int:pk>/notice/", views.inspection_notice, name="inspection_notice"),
    path("inspections/<int:pk>/word/<str:kind>/", views.inspection_word, name="inspection_word"),
    path("targets/<int:pk>/<str:action>/", views.target_post, name="target_post"),
    path("commitments/", views.commitments, name="commitments"),
    path("commitments/publish/<int:pk>/", views.commitments_publish_view, name="commitments_publish"),
    path("commitments/organisation/", views.org_commitment_add, name="org_commitment_add"),
    path("commitments/vet/", views.commitments_vet_view, name="commitments_vet"),
    path("commitments/<int:pk>/", views.commitment_detail, name="commitment"),
    path("commitments/<int:pk>/<str:action>/", views.commitment_post, name="commitment_post"),
]
