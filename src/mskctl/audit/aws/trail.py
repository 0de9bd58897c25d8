"""Is any CloudTrail trail logging this region's API calls (MSK's control plane, KMS, Secrets Manager)?"""

from __future__ import annotations

from typing import Any

from mskctl.audit.aws.calls import AwsCalls
from mskctl.audit.model import LayerResult, Location
from mskctl.audit.properties import report


def read_trails(calls: AwsCalls) -> list[tuple[dict[str, Any], bool]] | None:
    """(trail, is logging) for every trail that covers the region, incl. other regions' multi-region trails."""
    cloudtrail = calls.client("cloudtrail")
    trails = calls.optional("cloudtrail", "cloudtrail:DescribeTrails",
                            lambda: cloudtrail.describe_trails(includeShadowTrails=True)["trailList"])
    if trails is None:
        return None
    found = []
    for trail in trails:
        name = trail.get("TrailARN") or trail["Name"]  # a shadow trail's status needs its ARN
        status = calls.optional("cloudtrail", "cloudtrail:GetTrailStatus",
                                lambda n=name: cloudtrail.get_trail_status(Name=n))
        if status is None:
            return None
        found.append((trail, bool(status.get("IsLogging"))))
    return found


def check_trails(result: LayerResult, trails: list[tuple[dict[str, Any], bool]], account: str,
                 region: str) -> None:
    result.checked.add("cloudtrail-off")
    if any(logging for _, logging in trails):
        return
    stopped = [trail["Name"] for trail, _ in trails]
    report(result, "cloudtrail-off", Location(name=f"aws://{account}/{region}/cloudtrail"),
           f"No CloudTrail trail is logging in {region}"
           + (f" ({', '.join(stopped)} exist but are stopped)." if stopped else " (there are no trails)."),
           "Create a multi-region aws_cloudtrail (is_multi_region_trail = true) and start logging "
           "(cloudtrail create_trail, then start_logging).")
