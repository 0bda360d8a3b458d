def automation_register() -> None:
    pass
