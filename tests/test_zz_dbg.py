from tests.app_helpers import *
def test_x():
    at = start_app()
    for p in ["pages/review.py", "pages/fetch.py", "pages/review.py"]:
        goto(at, p)
        print(p, "INFO", [t[:30] for t in texts(at.info)], [t.value for t in at.title])
        at.run()
        print(p, "again INFO", [t[:30] for t in texts(at.info)], [t.value for t in at.title])
