"""Every file mskctl writes is written safely, in formats that keep values data (issue 16, F1, F6, F9, F13, F15).

On the previous main: sourcing msk_config.env ran `$(…)` from Terraform outputs (F1);
`config export --out` truncated an existing 0644 file and kept its mode, and followed links (F6);
a crafted --profile injected `allow_plaintext = true` into config.toml (F9); `--write-baseline`
followed a dangling link, `access export` wrote through a linked generated file and
`--terraform ''` wrote into the current folder (F15); a directory or a missing folder as --out
was "internal error" (F13).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mskctl import files
from mskctl.access.terraform_export import MARKER
from mskctl.config.formats import properties_line, shell_export, toml_document
from mskctl.errors import ExitCode, UsageError
from mskctl.files import PUBLIC, output_path, starts_with, write_file

ROOT = Path(__file__).resolve().parents[2]
MSKCTL = ROOT / ".venv" / "bin" / "mskctl"
SPEC = ROOT / "examples" / "access" / "platform.yaml"
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))


def mskctl(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "LANG": "C.UTF-8", "COLUMNS": "200",
            "MSKCTL_CONFIG": str(cwd / "config.toml")}
    return subprocess.run([str(MSKCTL), *args], capture_output=True, text=True, env=base | env, cwd=cwd, timeout=60)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


# ---- the three formats -------------------------------------------------------------------------------
@settings(database=None, max_examples=60, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=4))
def test_a_sourced_shell_export_sets_exactly_the_value_and_runs_nothing(tmp_path_factory, values):
    folder = tmp_path_factory.mktemp("sh")
    script = folder / "env.sh"
    script.write_text("\n".join(shell_export(f"V{i}", v) for i, v in enumerate(values)) + "\n", encoding="utf-8")
    show = "; ".join(f'printf "%s\\0" "$V{i}"' for i in range(len(values)))
    out = subprocess.run(["bash", "-c", f'source "$1" && {show}', "bash", str(script)], capture_output=True,
                         cwd=folder, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split(b"\0")[:-1] == [v.encode("utf-8") for v in values]
    assert sorted(p.name for p in folder.iterdir()) == ["env.sh"]  # no command ran


def test_the_report_values_of_f1_are_data_when_sourced(tmp_path):
    values = {"MSK_BOOTSTRAP_SERVERS_IAM": 'b-1.x:9098$(touch PWNED_ENV)"; touch PWNED_ENV2; echo "',
              "MSK_CLUSTER_ARN": "arn:aws:kafka:us-east-1:123456789012:cluster/c/u`touch PWNED_ENV3`"}
    (tmp_path / "env").write_text("\n".join(shell_export(k, v) for k, v in values.items()) + "\n")
    out = subprocess.run(["bash", "-c", 'source ./env; printf "%s|%s" "$MSK_BOOTSTRAP_SERVERS_IAM" "$MSK_CLUSTER_ARN"'],
                         capture_output=True, text=True, cwd=tmp_path, timeout=30)
    assert out.stdout == "|".join(values.values())
    assert not list(tmp_path.glob("PWNED*"))


def test_shell_export_refuses_nul_and_bad_names():
    with pytest.raises(ValueError, match="NUL"):
        shell_export("X", "a\x00b")
    with pytest.raises(ValueError, match="not a shell variable name"):
        shell_export("X; rm -rf /", "v")


@settings(database=None, max_examples=300, deadline=None)
@given(st.dictionaries(TEXT, st.dictionaries(TEXT, TEXT | st.booleans() | st.integers(-2**63, 2**63 - 1),
                                             max_size=3), max_size=3))
def test_toml_documents_read_back_as_written(profiles):
    assert tomllib.loads(toml_document({"profiles": profiles})) == {"profiles": profiles}


def java_properties_load(text: str) -> dict[str, str]:
    """java.util.Properties.load for the lines properties_line writes (escapes, separators, no continuations)."""
    result = {}
    for line in text.split("\n"):
        key, value, index, chars = [], [], 0, line
        target = key
        while index < len(chars):
            char = chars[index]
            if char == "\\":
                index += 1
                escaped = chars[index]
                if escaped == "u":
                    unit = int(chars[index + 1:index + 5], 16)
                    target.append(chr(unit))
                    index += 4
                else:
                    target.append({"n": "\n", "r": "\r", "t": "\t", "f": "\f"}.get(escaped, escaped))
            elif target is key and char in "=: ":
                target = value
                while index + 1 < len(chars) and chars[index + 1] == " ":  # whitespace after the separator
                    index += 1
            else:
                target.append(char)
            index += 1
        joined = "".join(value).encode("utf-16-be", "surrogatepass").decode("utf-16-be")
        result["".join(key).encode("utf-16-be", "surrogatepass").decode("utf-16-be")] = joined
    return result


@settings(database=None, max_examples=500, deadline=None)
@given(TEXT, TEXT)
def test_a_properties_line_is_one_line_that_loads_back_as_key_and_value(key, value):
    line = properties_line(key, value)
    assert "\n" not in line and "\r" not in line and all(" " <= c <= "~" for c in line)
    assert java_properties_load(line) == {key: value}


def test_the_report_bootstrap_newline_cannot_add_a_property():
    line = properties_line("bootstrap.servers", "h:9094\nssl.endpoint.identification.algorithm=")
    assert line == "bootstrap.servers=h:9094\\nssl.endpoint.identification.algorithm="


# ---- write_file -----------------------------------------------------------------------------------------
def test_a_new_file_is_0600_and_complete(tmp_path):
    target = write_file(tmp_path / "out.properties", "secret=1\n", option="--out")
    assert target.read_text() == "secret=1\n" and mode_of(target) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.properties"]


def test_public_files_get_0644_less_the_umask(tmp_path):
    target = write_file(tmp_path / "main.tf", "x", option="--terraform", mode=PUBLIC)
    assert mode_of(target) == 0o644 & ~_umask()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def test_an_existing_file_is_not_clobbered_without_force_and_forced_gets_0600(tmp_path):
    existing = tmp_path / "existing.properties"
    existing.write_text("PRECIOUS USER DATA\n")
    existing.chmod(0o644)
    with pytest.raises(UsageError, match="exists and was not written by mskctl"):
        write_file(existing, "new", option="--out")
    assert existing.read_text() == "PRECIOUS USER DATA\n"
    write_file(existing, "new", option="--out", force=True)
    assert existing.read_text() == "new" and mode_of(existing) == 0o600


def test_a_file_of_ours_is_replaced(tmp_path):
    existing = tmp_path / "msk_config.env"
    existing.write_text("# Generated by mskctl config from-terraform\nexport A=1\n")
    write_file(existing, "# Generated by mskctl config from-terraform\nexport A=2\n", option="--env-file",
               ours=starts_with("# Generated by mskctl"))
    assert "A=2" in existing.read_text()


@pytest.mark.parametrize("force", [False, True])
def test_links_are_never_followed_dangling_or_not(tmp_path, force):
    victim = tmp_path / "victim.tf"
    victim.write_text("# Generated by mskctl\nimportant\n")
    (tmp_path / "link.tf").symlink_to(victim)
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "victim_target.yaml")
    for link in ("link.tf", "dangling.yaml"):
        with pytest.raises(UsageError, match="is a symbolic link"):
            write_file(tmp_path / link, "x", option="--out", force=force, ours=lambda _: True)
    assert victim.read_text() == "# Generated by mskctl\nimportant\n"
    assert not (tmp_path / "victim_target.yaml").exists()


@pytest.mark.parametrize(("name", "says"), [
    (".", "is a directory"), ("nope/x.yaml", "does not exist"), ("/dev/null", "is not a regular file"),
])
def test_targets_that_are_not_files_are_usage_errors(tmp_path, name, says):
    with pytest.raises(UsageError, match=says):
        write_file(tmp_path / name, "x", option="--out", force=True)


@pytest.mark.parametrize("raw", ["", "  ", None])
def test_an_empty_output_path_is_a_usage_error_not_the_current_folder(raw):
    with pytest.raises(UsageError, match="is empty"):
        output_path(raw, "--terraform")


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    existing = tmp_path / "out"
    existing.write_text("old")

    def fail(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", fail)  # the fault: the disk fills at the last step
    with pytest.raises(OSError):
        write_file(existing, "new", option="--out", force=True)
    assert existing.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_name_taken_while_writing_is_not_overwritten(tmp_path, monkeypatch):
    target = tmp_path / "new.yaml"
    real_link = os.link

    def race(source: str, destination: Path) -> None:
        Path(destination).write_text("someone else's")  # appears between the check and the write
        real_link(source, destination)

    monkeypatch.setattr(files.os, "link", race)
    with pytest.raises(UsageError, match="appeared while mskctl was writing"):
        write_file(target, "ours", option="--write-baseline")
    assert target.read_text() == "someone else's"


# ---- the commands ---------------------------------------------------------------------------------------
def test_config_export_out_refuses_existing_files_directories_links_and_empty(tmp_path):
    env = {"MSK_BOOTSTRAP_SERVERS_TLS": "h:9094"}
    args = ("config", "export", "--format", "properties", "--auth", "tls", "--out")
    existing = tmp_path / "existing.properties"
    existing.write_text("PRECIOUS USER DATA\n")
    (tmp_path / "link.properties").symlink_to(tmp_path / "symtarget")
    for out in ("existing.properties", ".", "", "nope/x", "link.properties", "/dev/full"):
        result = mskctl(*args, out, cwd=tmp_path, **env)
        assert result.returncode == ExitCode.USAGE, (out, result.stderr)
        assert "internal error" not in result.stderr and result.stdout == ""
    assert existing.read_text() == "PRECIOUS USER DATA\n" and not (tmp_path / "symtarget").exists()
    forced = mskctl(*args, "existing.properties", "--force", cwd=tmp_path, **env)
    assert forced.returncode == 0, forced.stderr
    assert existing.read_text().startswith("bootstrap.servers=h:9094\n") and mode_of(existing) == 0o600


def write_outputs(folder: Path, **values: object) -> Path:
    path = folder / "outputs.json"
    path.write_text(json.dumps({k: {"value": v, "type": "string"} for k, v in values.items()}))
    return path


def test_from_terraform_writes_an_env_file_that_runs_nothing_when_sourced(tmp_path):
    outputs = write_outputs(tmp_path, bootstrap_brokers_sasl_iam=["b-1.x:9098", "b-2.x:9098"],
                            cluster_arn="arn:aws:kafka:us-east-1:123456789012:cluster/c/u`touch PWNED_ENV3`",
                            consumer_group='g$(touch PWNED_ENV)"; touch PWNED_ENV2; echo "')
    out = mskctl("config", "from-terraform", str(outputs), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    env = tmp_path / "msk_config.env"
    assert mode_of(env) == 0o600 and mode_of(tmp_path / "config.toml") == 0o600
    shown = subprocess.run(["bash", "-c", 'source ./msk_config.env; printf "%s|%s|%s" "$MSK_BOOTSTRAP_SERVERS_IAM" '
                            '"$MSK_CLUSTER_ARN" "$MSK_CONSUMER_GROUP"'], capture_output=True, text=True, cwd=tmp_path)
    assert shown.stdout == ("b-1.x:9098,b-2.x:9098|arn:aws:kafka:us-east-1:123456789012:cluster/c/u`touch PWNED_ENV3`|"
                            'g$(touch PWNED_ENV)"; touch PWNED_ENV2; echo "')
    assert not list(tmp_path.glob("PWNED*"))
    again = mskctl("config", "from-terraform", str(outputs), cwd=tmp_path)  # ours: replaced without --force
    assert again.returncode == 0, again.stderr


def test_from_terraform_does_not_overwrite_a_users_env_file_and_writes_nothing(tmp_path):
    (tmp_path / "msk_config.env").write_text("MY OWN ENV FILE\n")
    out = mskctl("config", "from-terraform", str(write_outputs(tmp_path, bootstrap_brokers_tls="h:9094")),
                 cwd=tmp_path)
    assert out.returncode == ExitCode.USAGE and "--force" in out.stderr
    assert (tmp_path / "msk_config.env").read_text() == "MY OWN ENV FILE\n"
    assert not (tmp_path / "config.toml").exists()  # the profile is not written either


def test_a_crafted_profile_name_stays_one_profile_and_injects_nothing(tmp_path):
    name = 'x"]\nallow_plaintext = true\n[profiles."y'
    outputs = write_outputs(tmp_path, bootstrap_brokers_tls="h:9094")
    for profile in (name, 'a"b', "café", "١٢"):
        out = mskctl("config", "from-terraform", str(outputs), "--profile", profile, "--no-env-file", cwd=tmp_path)
        assert out.returncode == 0, out.stderr
    profiles = tomllib.loads((tmp_path / "config.toml").read_text())["profiles"]
    assert set(profiles) == {name, 'a"b', "café", "١٢"}
    assert all(values == {"bootstrap_tls": "h:9094"} for values in profiles.values())
    shown = mskctl("config", "show", "--profile", name, "--no-discover", "-o", "json", cwd=tmp_path)
    assert json.loads(shown.stdout)["settings"]["allow_plaintext"] is False


@pytest.mark.parametrize(("values", "says"), [
    ({"bootstrap_brokers_tls": "h:9094", "msk_topic": "line1\nline2"}, "msk_topic or topic is invalid"),
    ({"bootstrap_brokers_tls": "h:9094\nssl.endpoint.identification.algorithm="}, "bootstrap_brokers_tls"),
])
def test_from_terraform_refuses_values_no_client_would_accept_and_writes_nothing(tmp_path, values, says):
    out = mskctl("config", "from-terraform", str(write_outputs(tmp_path, **values)), cwd=tmp_path)
    assert out.returncode == ExitCode.USAGE and says in out.stderr
    assert not (tmp_path / "config.toml").exists() and not (tmp_path / "msk_config.env").exists()


@pytest.mark.parametrize("content", [b"\xff\xfe\x00binary", b"[" * 100_000])
def test_from_terraform_of_binary_or_deeply_nested_input_is_a_usage_error(tmp_path, content):
    (tmp_path / "outputs.json").write_bytes(content)
    out = mskctl("config", "from-terraform", "outputs.json", cwd=tmp_path)
    assert out.returncode == ExitCode.USAGE and "internal error" not in out.stderr


def test_write_baseline_refuses_a_dangling_link_and_a_missing_folder(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_msk_cluster" "c" {\n  cluster_name = "c"\n}\n')
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "victim_target.yaml")
    for target in ("dangling.yaml", "nope/x.yaml", ""):
        out = mskctl("audit", "--terraform", ".", "--write-baseline", target, "--reason", "r", cwd=tmp_path)
        assert out.returncode == ExitCode.USAGE, (target, out.stderr)
    assert not (tmp_path / "victim_target.yaml").exists()
    written = mskctl("audit", "--terraform", ".", "--write-baseline", "baseline.yaml", "--reason", "r", cwd=tmp_path)
    assert written.returncode in (0, 1), written.stderr and (tmp_path / "baseline.yaml").is_file()


def test_access_export_never_writes_through_a_link_nor_into_the_current_folder(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "important.tf").write_text(f"{MARKER}\nimportant\n")
    (tmp_path / "exp").mkdir()
    (tmp_path / "exp" / "topics.tf").symlink_to(victim / "important.tf")
    out = mskctl("access", "export", "-f", str(SPEC), "--terraform", "exp", cwd=tmp_path)
    assert out.returncode == ExitCode.USAGE and "symbolic link" in out.stderr
    assert (victim / "important.tf").read_text() == f"{MARKER}\nimportant\n"
    assert [p.name for p in (tmp_path / "exp").iterdir()] == ["topics.tf"]  # nothing half-exported
    empty = mskctl("access", "export", "-f", str(SPEC), "--terraform", "", cwd=tmp_path)
    assert empty.returncode == ExitCode.USAGE and not list(tmp_path.glob("*.tf"))
    fresh = mskctl("access", "export", "-f", str(SPEC), "--terraform", "fresh", cwd=tmp_path)
    assert fresh.returncode == 0, fresh.stderr
    assert all(mode_of(p) == 0o644 & ~_umask() for p in (tmp_path / "fresh").glob("*.tf"))
