app_name = "centers"

urlpatterns: list = []  # filled in below
