"""The offline AWS schema generator (terraform/tools/schema/generate.py).

Most tests run on a tiny fake wheel built here, whose JavaScript has the shape cdktn's generator
writes. The test on the real cdktn-provider-aws wheel (70 MB, downloaded by the toolchain) is
terraform/tools/schema/test_real_wheel.py, run by `make iac-check`.
"""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "terraform" / "tools" / "schema" / "generate.py"
OVERLAY = ROOT / "terraform" / "tools" / "schema" / "overlay.json"


def _load_generator():
    spec = importlib.util.spec_from_file_location("offline_schema_generate", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


# --- a fake wheel, in the shape of cdktn's compiled JS ----------------------------------------


def _synth(name: str, is_block: bool, kind: str, storage: str, indent: int = 12) -> str:
    pad = " " * indent
    return (
        f"{pad}{name}: {{\n{pad}    value: cdktn.x(this._{name}),\n{pad}    isBlock: {str(is_block).lower()},\n"
        f'{pad}    type: "{kind}",\n{pad}    storageClassType: "{storage}",\n{pad}}},\n'
    )


def _member(name: str, flags: tuple[bool, bool, bool], body: str) -> str:
    c, o, r = (str(f).lower() for f in flags)
    return f"    // {name} - computed: {c}, optional: {o}, required: {r}\n{body}"


def _plain(field: str) -> str:
    """A member the generator keeps as-is (provider arguments, `any`-typed members)."""
    return f"    _{field};\n    get {field}() {{\n        return this._{field};\n    }}\n"


def _new(field: str, name: str, cls: str, wraps_set: str = "") -> str:
    """A member backed by a complex class (``new X(this, "name"[, wrapsSet])``)."""
    args = f'this, "{name}"' + (f", {wraps_set}" if wraps_set else "")
    return f"    _{field} = new {cls}({args});\n    get {field}() {{\n        return this._{field};\n    }}\n"


def _list_class(name: str, element: str) -> str:
    return (
        f"class {name} extends cdktn.ComplexList {{\n    get(index) {{\n"
        f"        return new {element}(this.terraformResource, index);\n    }}\n}}\n"
    )


CONFIGURABLE = "    _{n};\n    get {n}() {{\n        return this.{getter}('{n}');\n    }}\n"
COMPUTED = "    get {n}() {{\n        return {expr};\n    }}\n"

MSK_JS = (
    '"use strict";\n'
    + "function fakeClusterNodesToHclTerraform(struct) {\n    const attrs = {\n"
    + _synth("instance_type", False, "simple", "string")
    + _synth("client_subnets", False, "set", "stringList")
    + _synth("storage", True, "list", "FakeClusterNodesStorageList")
    + "    };\n}\n"
    + "function fakeClusterNodesStorageToHclTerraform(struct) {\n    const attrs = {\n"
    + _synth("volume_size", False, "simple", "number")
    + "    };\n}\n"
    + "function fakeClusterTimeoutsToHclTerraform(struct) {\n    const attrs = {\n"
    + _synth("create", False, "simple", "string")
    + "    };\n}\n"
    + "function fakeClusterRuleToHclTerraform(struct) {\n    const attrs = {\n"
    + _synth("statement", False, "simple", "any")
    + _synth("name", False, "simple", "string")
    + "    };\n}\n"
    + "class FakeClusterNodesStorageOutputReference extends cdktn.ComplexObject {\n"
    + _member("volume_size", (False, True, False), CONFIGURABLE.format(n="volumeSize", getter="getNumberAttribute"))
    + "}\n"
    + "class FakeClusterNodesOutputReference extends cdktn.ComplexObject {\n"
    + _member("instance_type", (False, False, True), CONFIGURABLE.format(n="instanceType", getter="getStringAttribute"))
    + _member(
        "client_subnets",
        (False, False, True),
        "    _clientSubnets;\n    get clientSubnets() {\n"
        "        return cdktn.Fn.tolist(this.getListAttribute('client_subnets'));\n    }\n",
    )
    + _member(
        "storage",
        (False, True, False),
        '    _storage = new FakeClusterNodesStorageOutputReference(this, "storage");\n'
        "    get storage() {\n        return this._storage;\n    }\n",
    )
    + "}\n"
    + "class FakeClusterTimeoutsOutputReference extends cdktn.ComplexObject {\n"
    + _member("create", (False, True, False), CONFIGURABLE.format(n="create", getter="getStringAttribute"))
    + "}\n"
    + "class FakeClusterBrokerOutputReference extends cdktn.ComplexObject {\n"
    + _member("endpoint", (True, False, False), COMPUTED.format(n="endpoint", expr="this.getStringAttribute('x')"))
    + _member("port", (True, False, False), COMPUTED.format(n="port", expr="this.getNumberAttribute('port')"))
    + _member(
        "zones",
        (True, False, False),
        COMPUTED.format(n="zones", expr="cdktn.Fn.tolist(this.getListAttribute('zones'))"),
    )
    + "}\n"
    + _list_class("FakeClusterBrokerList", "FakeClusterBrokerOutputReference")
    + "class FakeClusterRuleOutputReference extends cdktn.ComplexObject {\n"
    + _member("statement", (False, True, False), _plain("statement"))
    + _member("name", (False, False, True), CONFIGURABLE.format(n="name", getter="getStringAttribute"))
    + "}\n"
    + _list_class("FakeClusterRuleList", "FakeClusterRuleOutputReference")
    + "class FakeCluster extends cdktn.TerraformResource {\n"
    + '    static tfResourceType = "aws_fake_cluster";\n'
    + "    // ==========\n    // ATTRIBUTES\n    // ==========\n"
    + _member("arn", (True, False, False), COMPUTED.format(n="arn", expr="this.getStringAttribute('arn')"))
    + _member("cluster_name", (False, False, True), CONFIGURABLE.format(n="clusterName", getter="getStringAttribute"))
    + _member("id", (True, True, False), CONFIGURABLE.format(n="id", getter="getStringAttribute"))
    + _member("enabled", (False, True, False), CONFIGURABLE.format(n="enabled", getter="getBooleanAttribute"))
    + _member(
        "secret_wo",
        (False, True, False),
        "    _secretWo;\n    /**\n    * @deprecated Write-only: the provider never returns this value.\n    */\n"
        "    get secretWo() {\n        return this.getStringAttribute('secret_wo');\n    }\n",
    )
    + _member("tags", (False, True, False), CONFIGURABLE.format(n="tags", getter="getStringMapAttribute"))
    + _member("tags_all", (True, False, False), _new("tagsAll", "tags_all", "cdktn.StringMap"))
    + _member("ports", (True, False, False), COMPUTED.format(n="ports", expr="this.getNumberListAttribute('ports')"))
    + _member(
        "broker",
        (True, False, False),
        '    _broker = new FakeClusterBrokerList(this, "broker", true);\n'
        "    get broker() {\n        return this._broker;\n    }\n",
    )
    + _member(
        "nodes",
        (False, False, True),
        '    _nodes = new FakeClusterNodesOutputReference(this, "nodes");\n'
        "    get nodes() {\n        return this._nodes;\n    }\n",
    )
    + _member("rule", (False, True, False), _new("rule", "rule", "FakeClusterRuleList", "true"))
    + _member(
        "timeouts",
        (False, True, False),
        '    _timeouts = new FakeClusterTimeoutsOutputReference(this, "timeouts");\n'
        "    get timeouts() {\n        return this._timeouts;\n    }\n",
    )
    + "    // =========\n    // SYNTHESIS\n    // =========\n"
    + "    synthesizeHclAttributes() {\n        const attrs = {\n"
    + _synth("cluster_name", False, "simple", "string", 12)
    + _synth("id", False, "simple", "string", 12)
    + _synth("enabled", False, "simple", "boolean", 12)
    + _synth("secret_wo", False, "simple", "string", 12)
    + _synth("tags", False, "map", "stringMap", 12)
    + _synth("nodes", True, "list", "FakeClusterNodesList", 12)
    + _synth("rule", True, "set", "FakeClusterRuleList", 12)
    + _synth("timeouts", True, "struct", "FakeClusterTimeouts", 12)
    + "        };\n        return attrs;\n    }\n}\n"
    + "exports.FakeCluster = FakeCluster;\n"
    + "//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozfQ==\n"
)

REGION_JS = (
    "class DataAwsRegion extends cdktn.TerraformDataSource {\n"
    + '    static tfResourceType = "aws_region";\n'
    + _member("name", (True, True, False), CONFIGURABLE.format(n="name", getter="getStringAttribute"))
    + _member("endpoint", (True, False, False), COMPUTED.format(n="endpoint", expr="this.getStringAttribute('x')"))
    + "    synthesizeHclAttributes() {\n        const attrs = {\n"
    + _synth("name", False, "simple", "string", 12)
    + "        };\n        return attrs;\n    }\n}\n"
)

PROVIDER_JS = (
    "function awsProviderAssumeRoleToHclTerraform(struct) {\n    const attrs = {\n"
    + "        role_arn: {\n            value: cdktn.stringToHclTerraform(struct.roleArn),\n"
    + '            isBlock: false,\n            type: "simple",\n            storageClassType: "string",\n        },\n'
    + "    };\n}\n"
    + "class AwsProvider extends cdktn.TerraformProvider {\n"
    + _member("region", (False, True, False), _plain("region"))
    + _member("alias", (False, True, False), _plain("alias"))
    + _member("assume_role", (False, True, False), _plain("assumeRole"))
    + "    synthesizeHclAttributes() {\n        const attrs = {\n"
    + _synth("region", False, "simple", "string", 12)
    + _synth("alias", False, "simple", "string", 12)
    + "            assume_role: {\n"
    + "                value: cdktn.listMapperHcl(awsProviderAssumeRoleToHclTerraform, true)(this._assumeRole),\n"
    + '                isBlock: true,\n                type: "list",\n'
    + '                storageClassType: "AwsProviderAssumeRoleList",\n            },\n'
    + "        };\n        return attrs;\n    }\n}\n"
)

PROVIDER_DTS = "export interface AwsProviderAssumeRole {\n    readonly roleArn?: string;\n}\n"


def _tar_add(tar: tarfile.TarFile, name: str, text: str) -> None:
    data = text.encode()
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


@pytest.fixture
def fake_wheel(tmp_path: Path) -> Path:
    tgz = io.BytesIO()
    with tarfile.open(fileobj=tgz, mode="w:gz") as tar:
        _tar_add(tar, "package/.jsii", "{}")
        _tar_add(tar, "package/lib/fake-cluster/index.js", MSK_JS)
        _tar_add(tar, "package/lib/data-aws-region/index.js", REGION_JS)
        _tar_add(tar, "package/lib/provider/index.js", PROVIDER_JS)
        _tar_add(tar, "package/lib/provider/index.d.ts", PROVIDER_DTS)
    wheel = tmp_path / "cdktn_provider_aws-0.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("cdktn_provider_aws/__init__.py", "")
        zf.writestr("cdktn_provider_aws/_jsii/provider-aws@0.0.0.jsii.tgz", tgz.getvalue())
    return wheel


@pytest.fixture
def fake_schema(fake_wheel: Path) -> tuple[dict, list[str]]:
    schema, dropped, _ = gen.generate(fake_wheel, None)
    return schema, dropped


def test_attributes_keep_type_and_flags(fake_schema):
    schema, _ = fake_schema
    attrs = schema["resource_schemas"]["aws_fake_cluster"]["block"]["attributes"]
    assert attrs["arn"] == {"type": "string", "computed": True}
    assert attrs["cluster_name"] == {"type": "string", "required": True}
    assert attrs["id"] == {"type": "string", "optional": True, "computed": True}
    assert attrs["enabled"] == {"type": "bool", "optional": True}
    assert attrs["tags"] == {"type": ["map", "string"], "optional": True}
    assert attrs["tags_all"] == {"type": ["map", "string"], "computed": True}
    assert attrs["ports"] == {"type": ["list", "number"], "computed": True}


def test_write_only_comes_from_the_deprecation_note(fake_schema):
    schema, _ = fake_schema
    attrs = schema["resource_schemas"]["aws_fake_cluster"]["block"]["attributes"]
    assert attrs["secret_wo"] == {"type": "string", "optional": True, "write_only": True}


def test_computed_only_object_list_becomes_an_attribute(fake_schema):
    schema, _ = fake_schema
    attrs = schema["resource_schemas"]["aws_fake_cluster"]["block"]["attributes"]
    assert attrs["broker"] == {
        "type": ["set", ["object", {"endpoint": "string", "port": "number", "zones": ["set", "string"]}]],
        "computed": True,
    }


def test_blocks_nesting_and_item_counts(fake_schema):
    schema, _ = fake_schema
    blocks = schema["resource_schemas"]["aws_fake_cluster"]["block"]["block_types"]
    nodes = blocks["nodes"]
    assert (nodes["nesting_mode"], nodes["min_items"], nodes["max_items"]) == ("list", 1, 1)
    assert nodes["block"]["attributes"]["client_subnets"] == {"type": ["set", "string"], "required": True}
    storage = nodes["block"]["block_types"]["storage"]
    assert storage["nesting_mode"] == "list" and storage["max_items"] == 1 and "min_items" not in storage
    assert blocks["rule"]["nesting_mode"] == "set" and "max_items" not in blocks["rule"]
    assert blocks["timeouts"] == {
        "nesting_mode": "single",
        "block": {"attributes": {"create": {"type": "string", "optional": True}}},
    }


def test_any_typed_members_are_dropped_and_reported(fake_schema):
    schema, dropped = fake_schema
    rule = schema["resource_schemas"]["aws_fake_cluster"]["block"]["block_types"]["rule"]["block"]
    assert "statement" not in rule["attributes"]
    assert "name" in rule["attributes"]
    assert any("rule.statement" in d and "any" in d for d in dropped)


def test_data_sources_and_provider(fake_schema):
    schema, _ = fake_schema
    region = schema["data_source_schemas"]["aws_region"]["block"]["attributes"]
    assert region["name"] == {"type": "string", "optional": True, "computed": True}
    assert region["endpoint"] == {"type": "string", "computed": True}
    provider = schema["provider"]["block"]
    assert provider["attributes"] == {"region": {"type": "string", "optional": True}}  # no alias
    assume = provider["block_types"]["assume_role"]
    assert assume["max_items"] == 1
    assert assume["block"]["attributes"]["role_arn"] == {"type": "string", "optional": True}


def test_overlay_restores_what_the_wheel_lost(fake_wheel, tmp_path):
    overlay = {
        "resource_schemas": {
            "aws_fake_cluster": {
                "attributes": {"cluster_name": {"sensitive": True}},
                "block_types": {"rule": {"min_items": 2, "max_items": 2}},
            }
        }
    }
    path = tmp_path / "overlay.json"
    path.write_text(json.dumps(overlay))
    schema, _, applied = gen.generate(fake_wheel, path)
    block = schema["resource_schemas"]["aws_fake_cluster"]["block"]
    assert applied == 1
    assert block["attributes"]["cluster_name"]["sensitive"] is True
    assert (block["block_types"]["rule"]["min_items"], block["block_types"]["rule"]["max_items"]) == (2, 2)


@pytest.mark.parametrize(
    "overlay",
    [
        {"resource_schemas": {"aws_nope": {}}},
        {"resource_schemas": {"aws_fake_cluster": {"attributes": {"nope": {"sensitive": True}}}}},
        {"resource_schemas": {"aws_fake_cluster": {"block_types": {"nope": {"max_items": 1}}}}},
        {"resource_schemas": {"aws_fake_cluster": {"attributes": {"arn": {"sensitiv": True}}}}},
    ],
)
def test_overlay_entries_must_match_the_schema(fake_wheel, tmp_path, overlay):
    path = tmp_path / "overlay.json"
    path.write_text(json.dumps(overlay))
    with pytest.raises(gen.OverlayError):
        gen.generate(fake_wheel, path)


@pytest.mark.parametrize(
    ("kind", "storage", "expected"),
    [
        ("simple", "string", "string"),
        ("simple", "boolean", "bool"),
        ("set", "numberList", ["set", "number"]),
        ("list", "stringMapList", ["list", ["map", "string"]]),
        ("set", "stringListList", ["set", ["list", "string"]]),
        ("map", "stringListMap", ["map", ["list", "string"]]),
        ("simple", "any", "dynamic"),
        ("list", "FooBarList", None),
    ],
)
def test_storage_types(kind, storage, expected):
    assert gen.storage_type(kind, storage) == expected


def test_command_line_writes_the_schema(fake_wheel, tmp_path, capsys):
    out = tmp_path / "schema.json"
    assert gen.main(["--wheel", str(fake_wheel), "--out", str(out), "--summary"]) == 0
    doc = json.loads(out.read_text())
    assert doc["format_version"] == "1.0"
    assert doc["provider"]["block"]["attributes"]["region"] == {"type": "string", "optional": True}
    assert set(doc["resource_schemas"]) == {"aws_fake_cluster"}
    assert "1 resources, 1 data sources" in capsys.readouterr().out


# --- the real wheel --------------------------------------------------------------------------
