from django.urls import path

from scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("loans/", views.loan_list, name="loan_list"),
    path("loans/new/", views.loan_request, name="loan_request"),
    path("loans/queue/", views.loan_queue, name="loan_queue"),
    path("loans/waiting/", views.loan_waiting, name="loan_waiting"),
    path("loans/ready/", views.loan_ready, name="loan_ready"),
    path("loans/ready/<str:number>/today/", views.loan_ready_today, name="loan_ready_today"),
    path("loans/on-loan/", views.loan_on_loan, name="loan_on_loan"),
    path("loans/<int:loan_id>/", views.loan_detail, name="loan_detail"),
    path("loans/<int:loan_id>/approve/", views.loan_approve, name="loan_approve"),
    path("loans/<int:loan_id>/reject/", views.loan_reject, name="loan_reject"),
    path("loans/<int:loan_id>/cancel/", views.loan_cancel, name="loan_cancel"),
    path("loans/<int:loan_id>/extend/", views.loan_extend, name="loan_extend"),
    path("loans/<int:loan_id>/handout/", views.loan_handout, name="loan_handout"),
    path("loans/<int:loan_id>/return/", views.loan_return, name="loan_return"),
    path("loans/<int:loan_id>/lost/", views.loan_lost, name="loan_lost"),
    path("loans/<int:loan_id>/agreement.pdf", views.loan_agreement, name="loan_agreement"),
]
