"""Comment routes, included at `api/`. Legacy paths have no trailing slash (existing clients)."""

from django.urls import path

from . import apis

urlpatterns = [
    path("comentarios", apis.CommentCollectionApi.as_view(), name="comments"),
    path("comentarios/<str:comment_id>", apis.CommentDetailApi.as_view(), name="comment"),
    path("llm/analyze", apis.CommentUploadApi.as_view(), name="comments-upload"),
    path("v1/comentarios", apis.CommentCollectionV1Api.as_view(), name="v1-comments"),
    # Before the detail route, which would otherwise read "upload" as an id.
    path("v1/comentarios/upload", apis.CommentUploadApi.as_view(), name="v1-comments-upload"),
    path("v1/comentarios/<str:comment_id>", apis.CommentDetailApi.as_view(), name="v1-comment"),
]
