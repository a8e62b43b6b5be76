import io
import json

from routing.sensitive.scan_cli import run


class BinaryStdin(io.TextIOWrapper):
    """A text stream with a `.buffer`, like sys.stdin."""


def scan(data: bytes, plain: bool = False) -> tuple[int, list[dict[str, object]]]:
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    stdout = io.StringIO()
    code = run(stdin, stdout, plain=plain)
    return code, [json.loads(line) for line in stdout.getvalue().splitlines()]


def test_json_lines_in_findings_out_with_original_offsets() -> None:
    text = "我的手机１３８１２３４５６７８"
    code, out = scan((json.dumps({"text": text}, ensure_ascii=False) + "\n").encode())
    assert code == 0
    [finding] = out[0]["findings"]  # type: ignore[misc]
    assert finding == {"kind": "phone", "start": 4, "end": 15, "tier": "personal"}


def test_bad_lines_get_an_error_and_scanning_goes_on() -> None:
    data = b'{"text": "a@b.co"}\nnot json\n\xff\xfe\n[1]\n{"text": 5}\n\n{"text": "ok"}\n'
    code, out = scan(data)
    assert code == 2
    assert len(out) == 7
    assert out[0]["findings"][0]["kind"] == "email"  # type: ignore[index]
    assert all("error" in line for line in out[1:6])
    assert out[6] == {"findings": []}


def test_plain_mode_one_text_per_line() -> None:
    code, out = scan(b"call 13812345678\r\n\nno data\n", plain=True)
    assert code == 0
    assert [len(line["findings"]) for line in out] == [1, 0, 0]  # type: ignore[arg-type]


def test_streams_100k_lines() -> None:
    lines = "".join(json.dumps({"text": f"order {i} please check"}) + "\n" for i in range(100_000))
    code, out = scan(lines.encode())
    assert code == 0
    assert len(out) == 100_000


def test_text_stream_without_buffer() -> None:
    stdout = io.StringIO()
    assert run(io.StringIO('{"text": "otp 123456"}\n'), stdout) == 0
    assert json.loads(stdout.getvalue())["findings"][0]["kind"] == "otp"


def test_each_answer_is_out_before_the_next_line_is_read() -> None:
    """A caller may write a line and wait for its answer with the pipe still open (answers are flushed once per
    read, never held back until the input ends)."""
    import os
    import select
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).parents[3]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    env.pop("PYTHONUNBUFFERED", None)  # stdout block-buffered into the pipe, as for a user
    proc = subprocess.Popen([sys.executable, "-m", "inbox.cli", "scan", "--plain"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env, cwd=root)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for text, kinds in ((b"call me on 13812345678\n", ["phone"]), (b"nothing here\n", []),
                            (b"mail a@b.co please\n", ["email"])):
            proc.stdin.write(text)
            proc.stdin.flush()
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            assert ready, "no answer while the input stays open"
            answer = json.loads(proc.stdout.readline())
            assert [f["kind"] for f in answer["findings"]] == kinds
    finally:
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
