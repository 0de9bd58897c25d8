"""The local AWS API process: moto's server with the MSK operations of ``msk_api`` in front.

Run as ``python -m mskctl.local.emulator CLUSTER_DIR``; ``mskctl local up`` does that.
"""

from __future__ import annotations

import hmac
import json
import logging
import signal
import sys
import threading
from http import HTTPStatus
from pathlib import Path
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from mskctl.local import brokers, install
from mskctl.local.emulator import moto_fixes, moto_state, network_state
from mskctl.local.emulator.msk_api import ApiError, LocalMskApi, restart_with
from mskctl.local.emulator.scram import ScramAssociations
from mskctl.local.operator import OperatorScramUsers
from mskctl.local.paths import ClusterPaths, kafka_dist_dir
from mskctl.local.spec import EMULATOR_PORT, ClusterSpec, load_spec

log = logging.getLogger("mskctl.emulator")
HEALTH_PATH = "/mskctl/health"
IAM_PREFIX = "/mskctl/iam/"
AUTOSAVE_INTERVAL = 15.0


def signing_service(environ: dict[str, Any]) -> str | None:
    """The service a SigV4 request was signed for (``…/<region>/<service>/aws4_request``)."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    marker = "Credential="
    if marker not in auth:
        return None
    scope = auth.split(marker, 1)[1].split(",", 1)[0].split("/")
    return scope[3] if len(scope) >= 5 else None


class EmulatorApp:
    def __init__(self, spec: ClusterSpec, msk: LocalMskApi, moto_app: Any, iam_token: bytes | None) -> None:
        self.spec = spec
        self.msk = msk
        self.moto_app = moto_app
        self.iam_token = iam_token

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH:
            return self._json(start_response, 200, {"clusterArn": self.spec.arn, "ok": True})
        if path.startswith(IAM_PREFIX):
            return self._serve_iam(environ, start_response, path)
        if signing_service(environ) == "kafka":
            matched = LocalMskApi.match(environ.get("REQUEST_METHOD", "GET"), path)
            if matched:
                operation, params = matched
                return self._serve_msk(environ, start_response, operation, params)
        return self.moto_app(environ, start_response)

    def _serve_iam(self, environ: dict[str, Any], start_response: Any, path: str) -> Any:
        """What the brokers' IAM plugin asks: an access key's owner and secret, a principal's policies.

        Only callers holding the cluster's plugin token (a 0600 file) get answers: these
        responses carry secret keys.
        """
        presented = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").encode()
        if not (self.iam_token and hmac.compare_digest(presented, self.iam_token)):
            return self._json(start_response, 403, {"message": "forbidden"})
        if environ.get("REQUEST_METHOD") != "POST":
            return self._json(start_response, 405, {"message": "POST only"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        except (ValueError, json.JSONDecodeError):
            return self._json(start_response, 400, {"message": "body must be JSON"})
        if path == IAM_PREFIX + "identity":
            found = moto_state.identity_for_access_key(self.spec, str(body.get("accessKeyId", "")))
        elif path == IAM_PREFIX + "policies":
            found = moto_state.policies_for_principal(self.spec, str(body.get("principalArn", "")))
        else:
            return self._json(start_response, 404, {"message": "unknown IAM plugin call"})
        if found is None:
            return self._json(start_response, 404, {"message": "not found"})
        return self._json(start_response, 200, found)

    def _serve_msk(self, environ: dict[str, Any], start_response: Any, operation: str,
                   params: dict[str, str]) -> Any:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            body = json.loads(raw) if raw else {}
            result = self.msk.handle(operation, params, body)
        except ApiError as exc:
            payload = {"message": exc.message}
            if exc.parameter:
                payload["invalidParameter"] = exc.parameter
            return self._json(start_response, exc.status, payload, error_type=exc.code)
        except json.JSONDecodeError:
            return self._json(start_response, 400, {"message": "The request body is not JSON."},
                              error_type="BadRequestException")
        except Exception:
            log.exception("%s failed", operation)
            return self._json(start_response, 500, {"message": "Internal error in the local MSK."},
                              error_type="InternalServerErrorException")
        log.info("%s %s -> 200", operation, params.get("arn", ""))
        return self._json(start_response, 200, result)

    @staticmethod
    def _json(start_response: Any, status: int, payload: dict[str, Any],
              error_type: str | None = None) -> list[bytes]:
        data = json.dumps(payload).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        if error_type:
            headers.append(("x-amzn-ErrorType", error_type))
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [data]


def serve(cluster_dir: Path) -> None:
    paths = ClusterPaths(cluster_dir)
    spec = load_spec(paths.spec)
    moto_fixes.apply()
    restored = moto_state.restore(paths.aws_state)
    log.info("restored AWS state of %d services", restored)
    admin = moto_state.ensure_admin(spec, paths.admin_credentials)
    network = network_state.ensure_broker_network(spec)
    moto_state.ensure_cluster_record(spec)
    key_arn = moto_state.ensure_data_volume_key(spec)
    # Saved now, not at the first autosave: the ids MSK reports must not change if we are killed early.
    _save(paths)
    log.info("cluster %s registered in %s (security group %s); administrator %s", spec.arn,
             network.vpc_id, network.security_group_id, admin["Arn"])

    java = install.find_java()
    dist = kafka_dist_dir(spec.kafka_version)
    scram = ScramAssociations(spec, paths.scram_associations, OperatorScramUsers(spec, paths))
    msk = LocalMskApi(
        spec, paths, scram,
        restart_broker=restart_with(spec, paths, java, dist),
        broker_running=lambda b: brokers.broker_pid(paths, b) is not None,
        data_volume_key_arn=key_arn,
    )
    iam_token = paths.iam_token.read_bytes().strip() if paths.iam_token.exists() else None
    app = EmulatorApp(spec, msk, DomainDispatcherApplication(create_backend_app), iam_token)
    server = make_server(spec.emulator_host, EMULATOR_PORT, app, threaded=True)

    stopping = threading.Event()

    def autosave() -> None:
        while not stopping.wait(AUTOSAVE_INTERVAL):
            _save(paths)

    def shutdown(*_: Any) -> None:
        stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    threading.Thread(target=scram.run_forever, name="scram-reconciler", daemon=True).start()
    threading.Thread(target=release_hold_when_in_sync, args=(spec, paths, stopping), name="lifecycle-hold",
                     daemon=True).start()
    threading.Thread(target=autosave, name="autosave", daemon=True).start()
    log.info("serving the AWS API on %s", spec.endpoint_url)
    server.serve_forever()
    scram.stop()
    _save(paths)
    log.info("stopped")


HOLD_POLL_INTERVAL = 0.5


def release_hold_when_in_sync(spec: ClusterSpec, paths: ClusterPaths, stopping: threading.Event) -> None:
    """Release the hold `down` put on unclean leader election once every ISR is full (see lifecycle)."""
    from confluent_kafka import KafkaException

    from mskctl.local import broker_config, lifecycle, operator

    client = operator.admin(spec, paths)
    while not stopping.wait(HOLD_POLL_INTERVAL):
        try:
            # Reads lifecycle.json; asks the brokers only while a hold is on.
            lifecycle.reconcile_hold(client, set(spec.broker_ids()), broker_config.controller_ids(spec),
                                     paths.lifecycle)
        except KafkaException as exc:
            log.info("unclean leader election still held off: %s", exc)


def _save(paths: ClusterPaths) -> None:
    try:
        moto_state.save(paths.aws_state)
    except Exception:
        log.exception("could not save AWS state")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m mskctl.local.emulator CLUSTER_DIR", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stdout,
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    serve(Path(args[0]))
    return 0
