from django.urls import path

from ..views import forecast

urlpatterns = [
    path("", forecast.forecast, name="forecast"),
    path("kpi.csv", forecast.forecast_csv, name="forecast-csv"),
    path("plans/", forecast.plan_edit, name="plan-edit"),
]
