from django.http import JsonResponse
from django.urls import path


def ping(request):
    return JsonResponse({"code": 0, "msg": "ok", "interval": 30})


urlpatterns = [path("ping", ping)]
