"""Small hand-made data sets for tests. Every number here is chosen so tests can count by hand."""

from __future__ import annotations

from pathlib import Path

AISLES = "aisle_id,aisle\n1,fresh fruits\n2,yogurt\n3,dry pasta\n"
DEPARTMENTS = "department_id,department\n1,produce\n2,dairy eggs\n3,dry goods pasta\n"
PRODUCTS = (
    "product_id,product_name,aisle_id,department_id,price\n"
    "10,Banana,1,1,0.25\n"
    "11,Organic Strawberries,1,1,4.99\n"
    "20,Greek Yogurt,2,2,1.29\n"
    "30,Spaghetti,3,3,1.79\n"
)
# user 1: three orders (the last one is train), user 2: two orders plus a test order.
ORDERS = (
    "order_id,user_id,eval_set,order_number,order_dow,order_hour_of_day,days_since_prior_order\n"
    "100,1,prior,1,0,9,\n"
    "101,1,prior,2,3,10,7.0\n"
    "102,1,train,3,5,18,14.0\n"
    "200,2,prior,1,1,12,\n"
    "201,2,prior,2,2,13,30.0\n"
    "202,2,test,3,2,13,8.0\n"
)
PRIOR = (
    "order_id,product_id,add_to_cart_order,reordered\n"
    "100,10,1,0\n"
    "100,20,2,0\n"
    "101,10,1,1\n"
    "101,30,2,0\n"
    "200,11,1,0\n"
    "201,11,1,1\n"
    "201,20,2,0\n"
)
TRAIN = "order_id,product_id,add_to_cart_order,reordered\n102,10,1,1\n102,11,2,0\n"

FILES = {
    "aisles.csv": AISLES,
    "departments.csv": DEPARTMENTS,
    "products.csv": PRODUCTS,
    "orders.csv": ORDERS,
    "order_products__prior.csv": PRIOR,
    "order_products__train.csv": TRAIN,
}


def write_instacart(folder: Path, **replace: str | None) -> Path:
    """Write the tiny Instacart data set into ``folder``.

    ``replace`` maps a file name with dots as underscores (``products_csv``) to new content, or
    to None to leave that file out.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        key = name.replace(".", "_")
        content = replace.get(key, text)
        if content is None:
            continue
        (folder / name).write_text(content, encoding="utf-8")
    return folder
