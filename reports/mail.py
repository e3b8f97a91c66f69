"""placeholder"""


def alerts_notify():
    pass


def stakeholder_from_token(token):
    return None
