"""Writes smoke-test rows for the churn model from rows of the walkthrough's churn.txt.

The AWS customer-churn walkthrough (XGBoost on churn.txt) trains on this preprocessing: drop
`Phone`; treat `Area Code` as a category; drop the four `* Charge` columns (each is a fixed
multiple of its `* Mins`); one-hot encode the categoricals; put the label first. The endpoint
takes the features without the label: 11 numeric columns, then 51 `State`, 3 `Area Code`, 2
`Int'l Plan` and 2 `VMail Plan` indicator columns (69 in all), as 0/1.

The categories are fixed here rather than taken from the rows, so a few rows give the same
columns as the full data set.

Usage: python3 churn_payload.py churn.txt [rows] > payloads/churn.csv
(rows: how many from the top of the file, default 10; the header line is required.)
If the model-build repository's churn preprocessing changes, change this file to match.
"""
import sys

import pandas as pd

NUMERIC = ['Account Length', 'VMail Message', 'Day Mins', 'Day Calls', 'Eve Mins', 'Eve Calls',
           'Night Mins', 'Night Calls', 'Intl Mins', 'Intl Calls', 'CustServ Calls']
CATEGORIES = {
    'State': ['AK', 'AL', 'AR', 'AZ', 'CA', 'CO', 'CT', 'DC', 'DE', 'FL', 'GA', 'HI', 'IA', 'ID',
              'IL', 'IN', 'KS', 'KY', 'LA', 'MA', 'MD', 'ME', 'MI', 'MN', 'MO', 'MS', 'MT', 'NC',
              'ND', 'NE', 'NH', 'NJ', 'NM', 'NV', 'NY', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD',
              'TN', 'TX', 'UT', 'VA', 'VT', 'WA', 'WI', 'WV', 'WY'],
    'Area Code': ['408', '415', '510'],
    "Int'l Plan": ['no', 'yes'],
    'VMail Plan': ['no', 'yes'],
}


def features(churn: pd.DataFrame) -> pd.DataFrame:
    churn = churn.drop(columns=['Phone', 'Day Charge', 'Eve Charge', 'Night Charge', 'Intl Charge', 'Churn?'],
                       errors='ignore')
    churn['Area Code'] = churn['Area Code'].astype(str)
    for column, categories in CATEGORIES.items():
        unknown = set(churn[column]) - set(categories)
        if unknown:
            raise SystemExit(f"{column} holds values the walkthrough's data does not: {sorted(unknown)}")
        churn[column] = pd.Categorical(churn[column], categories=categories)
    return pd.get_dummies(churn[NUMERIC + list(CATEGORIES)], dtype=int)


def main() -> None:
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    churn = pd.read_csv(sys.argv[1], nrows=rows)
    features(churn).to_csv(sys.stdout, header=False, index=False)


if __name__ == '__main__':
    main()
