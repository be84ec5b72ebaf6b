"""The `aiopt` console script: `aiopt report MODEL [...]`."""

import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: aiopt report MODEL [--data DIR] [--repeat N] [--threads N] "
              "[--markdown F] [--json F] [--chart F]\n\n"
              "  report  latency, memory, size and output error of a model's variants")
        return 0 if argv else 2
    if argv[0] == "report":
        from .report import main as report_main
        return report_main(argv[1:])
    print("aiopt: unknown command %r (expected: report)" % argv[0], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
