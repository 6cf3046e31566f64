
from .views import errors  # noqa: F401

urlpatterns = []
