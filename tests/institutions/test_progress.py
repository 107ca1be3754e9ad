import io

from accord.core.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_renders_label_filled_part_and_counts():
    progress = Progress(10251, "Importing", stream=io.StringIO(), width=10)
    progress.update(5123)
    assert progress.render() == "Importing  [####......]  5123/10251"


def test_nothing_is_written_when_the_stream_is_not_a_terminal():
    stream = io.StringIO()
    with Progress(10, "Importing", stream=stream) as progress:
        for _ in range(10):
            progress.advance()
    assert stream.getvalue() == ""
    assert progress.done == 10


def test_forced_bar_redraws_one_line_and_ends_it():
    stream = io.StringIO()
    with Progress(4, "Work", stream=stream, force=True, width=4) as progress:
        progress.advance(2)
        progress.advance(2)
    output = stream.getvalue()
    assert output.endswith("\rWork  [####]  4/4\n")
    assert "\rWork  [##..]  2/4" in output
    assert output.count("\n") == 1


def test_bar_draws_on_a_terminal_and_never_passes_the_total():
    stream = Terminal()
    progress = Progress(3, stream=stream, width=3)
    progress.advance(5)
    progress.finish()
    progress.finish()
    assert stream.getvalue() == "\r[###]  3/3\r[###]  3/3\n"


def test_empty_work_shows_a_full_bar():
    assert Progress(0, "Nothing", stream=io.StringIO(), width=2).render() == "Nothing  [##]  0/0"
