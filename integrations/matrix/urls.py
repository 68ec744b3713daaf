from django.urls import path

from integrations.matrix import views

urlpatterns = [
    path("rooms/<int:room_id>/bridge", views.bridge),
]
