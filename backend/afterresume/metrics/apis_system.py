"""`/api/system/metrics/system/`: the operators' system status, a part per subsystem (404 for
everyone else). Each part answers `available: true` with its figures, or `available: false` with
`error` when its subsystem could not be read; the other parts answer regardless."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.core.permissions import IsOperatorElseNotFound
from afterresume.core.schema import ERROR
from afterresume.metrics.apis import RunOut
from afterresume.metrics.system import system_status


class SystemPartOut(serializers.Serializer):
    """What every part has; the rest of its fields only when `available` is true."""

    available = serializers.BooleanField()
    error = serializers.CharField(required=False, help_text="Why the part is not available.")

    def to_representation(self, instance):
        # A part that failed has nothing but its reason (DRF would fill a nullable field with null).
        if not instance["available"]:
            return {"available": False, "error": instance["error"]}
        return super().to_representation(instance)


class SystemSlowQueryOut(serializers.Serializer):
    query = serializers.CharField(help_text="The normalised text, cut to 200 characters.")
    calls = serializers.IntegerField()
    mean_ms = serializers.FloatField()


class SystemDatabaseOut(SystemPartOut):
    vendor = serializers.CharField(required=False)
    size_bytes = serializers.IntegerField(required=False, allow_null=True)
    connections = serializers.IntegerField(
        required=False, allow_null=True, help_text="Open connections to this database (PostgreSQL only)."
    )
    slowest_queries = SystemSlowQueryOut(
        many=True,
        required=False,
        allow_null=True,
        help_text="The 5 slowest on average (pg_stat_statements); null when it cannot be read.",
    )
    slowest_queries_note = serializers.CharField(
        required=False, allow_blank=True, help_text="Why slowest_queries is null."
    )


class SystemRedisOut(SystemPartOut):
    version = serializers.CharField(required=False)
    used_memory_bytes = serializers.IntegerField(required=False)
    connected_clients = serializers.IntegerField(required=False)
    uptime_seconds = serializers.IntegerField(required=False)


class SystemLastPingOut(serializers.Serializer):
    finished_at = serializers.DateTimeField()
    worker = serializers.CharField(allow_null=True)


class SystemWorkerOut(serializers.Serializer):
    name = serializers.CharField()
    queues = serializers.ListField(child=serializers.CharField())
    active = serializers.IntegerField(help_text="Tasks it is running now.")


class SystemWorkersOut(SystemPartOut):
    alive = serializers.IntegerField(required=False, help_text="Workers that answered a ping (0: none did).")
    workers = SystemWorkerOut(many=True, required=False)
    last_ping = SystemLastPingOut(
        required=False, allow_null=True, help_text="The newest `ping` task a worker ran (beat sends one)."
    )


class SystemQueueOut(serializers.Serializer):
    name = serializers.CharField()
    depth = serializers.IntegerField(help_text="Messages waiting.")
    oldest_waiting_seconds = serializers.FloatField(
        allow_null=True, help_text="Filesystem broker only: a Redis message carries no sent-at time."
    )
    next_task = serializers.CharField(
        allow_null=True, help_text="Redis only: the task of the message a worker takes next."
    )


class SystemQueuesOut(SystemPartOut):
    broker = serializers.ChoiceField(choices=["redis", "filesystem"], required=False)
    queues = SystemQueueOut(many=True, required=False)


class SystemStorageOut(SystemPartOut):
    backend = serializers.CharField(required=False, help_text="The default storage's class.")
    bucket = serializers.CharField(required=False, help_text="S3 only.")
    bucket_reachable = serializers.BooleanField(required=False, help_text="S3 only: a HEAD of the bucket.")
    media_root = serializers.CharField(required=False, help_text="Local disk only.")
    free_bytes = serializers.IntegerField(required=False, help_text="Local disk only.")
    stored_bytes = serializers.IntegerField(
        required=False, help_text="Local disk only: evidence and report files, as the database records them."
    )


class SystemBeatTaskOut(serializers.Serializer):
    name = serializers.CharField(help_text="The schedule's entry.")
    task = serializers.CharField()
    last_run_at = serializers.DateTimeField(allow_null=True, help_text="Null: no result recorded.")
    last_status = serializers.CharField(allow_null=True)


class SystemBeatOut(SystemPartOut):
    tasks = SystemBeatTaskOut(many=True, required=False)


class SystemFailedJobOut(serializers.Serializer):
    id = serializers.IntegerField()
    tenant_id = serializers.IntegerField()
    kind = serializers.CharField()
    error = serializers.CharField(allow_blank=True, help_text="Cut to 300 characters.")
    finished_at = serializers.DateTimeField(allow_null=True)


class SystemFailedJobsOut(SystemPartOut):
    jobs = SystemFailedJobOut(many=True, required=False, help_text="The 10 newest, every workspace.")


class SystemMetricRunsOut(SystemPartOut):
    runs = RunOut(
        many=True, required=False, help_text="The 5 newest (the same rows as /api/system/metrics/runs/)."
    )


class SystemReconciliationOut(SystemPartOut):
    clean = serializers.BooleanField(required=False)
    mismatches = serializers.IntegerField(required=False, help_text="Reserve accounts whose books disagree.")


class SystemStatusOut(serializers.Serializer):
    checked_at = serializers.DateTimeField()
    database = SystemDatabaseOut()
    redis = SystemRedisOut()
    workers = SystemWorkersOut()
    queues = SystemQueuesOut()
    storage = SystemStorageOut()
    beat = SystemBeatOut()
    failed_jobs = SystemFailedJobsOut()
    metrics_runs = SystemMetricRunsOut()
    reconciliation = SystemReconciliationOut()


class SystemStatusApi(APIView):
    """Database, Redis, workers, queues, storage, beat, failed jobs, metrics runs and the ledger's
    reconciliation, each read on its own with short timeouts: always a 200, a broken subsystem
    shows as its part's `error`."""

    permission_classes = (IsOperatorElseNotFound,)

    @extend_schema(responses={200: SystemStatusOut, 404: ERROR})
    def get(self, request):
        response = Response(SystemStatusOut(system_status()).data)
        response["Cache-Control"] = "no-store"
        return response
