from django.urls import path

from civicshield.comms.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("board/", views.board, name="board"),
    path("settings/", views.delivery_settings, name="settings"),
    path("outbox/", views.outbox, name="outbox"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:recipient_id>/", views.inbox_item, name="inbox_item"),
    path("inbox/<int:recipient_id>/acknowledge/", views.inbox_acknowledge,
         name="inbox_acknowledge"),
    path("ack/<str:token>/", views.acknowledge_link, name="acknowledge_link"),
    path("<int:notification_id>/", views.notification_detail, name="detail"),
    path("<int:notification_id>/suppress/", views.suppress, name="suppress"),
]
