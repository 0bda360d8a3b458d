routes: list = []
urlpatterns: list = []
