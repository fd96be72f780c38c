from django.urls import path

from . import views

app_name = "disclosure"

urlpatterns = [
    path("", views.board, name="board"),
    path("<int:pk>/", views.notice_detail, name="notice"),
    path("<int:pk>/v<int:number>/", views.notice_detail, name="notice_version"),
    path("<int:pk>/object/", views.object_to, name="object"),
    path("<int:pk>/print/", views.notice_print, name="print"),
    path("<int:pk>/word/", views.notice_word, name="word"),
    path("objections/", views.objections_mine, name="objections_mine"),
    path("objections/<int:pk>/reply/", views.objection_reply_view, name="objection_reply"),
    path("archive/verify/", views.archive_verify, name="verify"),
    path("due/", views.periodic_due, name="due"),
]
