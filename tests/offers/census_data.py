"""Small census files for the import tests, built as text so each test shows the row it breaks."""

EMPLOYEES_HEADER = (
    "employee_id,first_name,last_name,email,hire_date,work_country,status,termination_date,"
    "is_executive_officer,is_director"
)
GRANTS_HEADER = (
    "grant_id,employee_id,plan,option_type,grant_date,shares_granted,shares_exercised,shares_cancelled,"
    "exercise_price,expiration_date,performance_condition"
)
EMPLOYEES = [
    "E1,Sam,Slide,sam@example.com,1999-08-02,US,active,,false,false",
    "E2,Lena,Lookback,lena@example.com,2001-02-12,US,leave,,false,false",
    "E3,Terry,Gone,terry@example.com,1999-11-01,US,terminated,2002-11-29,false,false",
]
GRANTS = [
    "G1,E1,2000 Stock Option Plan,ISO,2000-05-20,1000,200,0,6.00,2010-05-20,",
    "G2,E1,2000 Stock Option Plan,NSO,2002-07-01,500,0,0,0.40,2012-07-01,",
    'G3,E2,"Lightwave Communications, Inc. 2001 Stock Plan",NSO,2001-06-01,1600,0,0,5.60,2011-06-01,Ships Evolution',
]


def csv_bytes(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def employees_csv(rows: list[str] | None = None, header: str = EMPLOYEES_HEADER) -> bytes:
    return csv_bytes(header, EMPLOYEES if rows is None else rows)


def grants_csv(rows: list[str] | None = None, header: str = GRANTS_HEADER) -> bytes:
    return csv_bytes(header, GRANTS if rows is None else rows)
