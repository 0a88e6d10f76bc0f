from django.urls import path

from cuutro.api.v1 import api

urlpatterns = [path("", api.urls)]
