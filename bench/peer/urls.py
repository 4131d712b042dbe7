from rest_framework import routers, serializers, viewsets

from peer.models import PeerPolicy


class PeerPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = PeerPolicy
        fields = "__all__"


class PeerPolicyViewSet(viewsets.ModelViewSet):
    queryset = PeerPolicy.objects.all()
    serializer_class = PeerPolicySerializer


router = routers.SimpleRouter(trailing_slash=False)
router.register("policies", PeerPolicyViewSet)
urlpatterns = router.urls
