"""The API schema names each operation by its view alone, once: a client generated from it
keeps its method names however the code is arranged."""

from lernstatt.api import api


def test_every_operation_has_a_unique_id_that_is_its_view_name():
    schema = api.get_openapi_schema()
    ids = [
        operation["operationId"] for path in schema["paths"].values() for operation in path.values()
    ]

    assert len(ids) == len(set(ids))
    assert {"device_list", "import_detail", "student_import_upload", "loan_approve"} <= set(ids)
    assert not [each for each in ids if "_api_" in each]
