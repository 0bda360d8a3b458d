from django.urls import path

from deals.views import board, deal_card, deal_pipelines

urlpatterns = [
    path("", board.board_default, name="board-default"),
    path("pipelines/<int:pk>/", board.board, name="board"),
    path("pipelines/<int:pk>/stages/<int:stage>/", board.column_more, name="board-column"),
    path("pipelines/<int:pk>/quick/", board.quick_create, name="deal-quick-create"),
    path("list/", board.deal_list, name="deal-list"),
    path("new/", deal_card.deal_create, name="deal-create"),
    path("clients/suggest/", board.contact_suggest, name="deal-contact-suggest"),
    path("<int:pk>/", deal_card.deal_detail, name="deal-detail"),
    path("<int:pk>/edit/", deal_card.deal_edit, name="deal-edit"),
    path("<int:pk>/move/", board.deal_move, name="deal-move"),
    path("<int:pk>/tasks/", deal_card.deal_task_add, name="deal-task-add"),
    path("settings/pipelines/", deal_pipelines.pipeline_list, name="pipeline-list"),
    path("settings/pipelines/new/", deal_pipelines.pipeline_edit, name="pipeline-create"),
    path("settings/pipelines/<int:pk>/", deal_pipelines.pipeline_edit, name="pipeline-edit"),
    path("settings/loss-reasons/", deal_pipelines.loss_reasons, name="loss-reasons"),
]
