def routing_kinds_register() -> None:
    pass
