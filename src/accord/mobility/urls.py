app_name = "mobility"

urlpatterns: list = []  # filled in below
