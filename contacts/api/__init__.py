"""The REST API of the customer base: serializers and viewsets."""
