"""placeholder"""


def summary_build_and_send():
    pass
