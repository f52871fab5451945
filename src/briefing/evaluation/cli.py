"""`briefing eval` (being written)."""


def add_eval_parser(commands, add_filter_args):
    parser = commands.add_parser("eval", help="evaluate retrieval and answers on a gold question set")
    return parser


def run_eval(args) -> int:
    raise NotImplementedError
