from django.urls import path

from organizations import views

urlpatterns = [
    path("", views.home, name="home"),
    path("o/<slug:slug>/", views.org_home, name="org-home"),
    path("o/<slug:slug>/keys/", views.api_keys, name="org-api-keys"),
    path("o/<slug:slug>/keys/<int:key_id>/<str:action>/", views.api_key_action, name="org-api-key-action"),
    path("o/<slug:slug>/members/", views.members, name="org-members"),
]
