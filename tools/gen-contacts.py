#!/usr/bin/python3
"""Writes a realistic contacts CSV for benchmarks and load tests.

Usage: gen-contacts.py ROWS OUT.csv [--duplicates 0.02] [--seed 1] [--suppression OUT2.csv N]

Twelve columns as a Sales Navigator / Apollo export would have them: names (with accents),
company, title, phone in the country's own format, LinkedIn URL, country, time zone, city,
industry, website. About --duplicates of the rows repeat an earlier row's email (with other
casing), as real exports do. With --suppression, also writes N suppression entries: half
addresses from the file, half elsewhere, plus a few whole domains.
"""
import argparse
import csv
import random
import unicodedata

FIRST = ["James", "Mary", "Jürgen", "Ana", "Wei", "Fatima", "Olivia", "Noah", "Søren",
         "Chloé", "Mateo", "Aarav", "Yuki", "Zoë", "Liam", "Emma", "Lucas", "Mia", "Ahmed",
         "Priya", "Oliver", "Sofia", "Ethan", "Isabella", "Björn", "Élodie", "Kwame", "Nia",
         "Diego", "Hana"]
LAST = ["Smith", "Müller", "García", "Wang", "Khan", "Johnson", "Brown", "Nguyen", "Rossi",
        "Dubois", "Kowalski", "Silva", "Tanaka", "O'Brien", "Andersson", "Patel", "Kim",
        "Schmidt", "López", "Novak", "Jensen", "Moreau", "Costa", "Ivanova", "Okafor"]
COMPANY = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka",
           "Tyrell", "Cyberdyne", "Soylent", "Vandelay", "Pied Piper", "Aperture", "Massive"]
SUFFIX = ["Inc", "GmbH", "Ltd", "SAS", "LLC", "AG", "BV", "Pty Ltd", "SA", ""]
TITLE = ["CEO", "CTO", "VP Sales", "Head of Growth", "Marketing Manager", "Founder",
         "Software Engineer", "Recruiter", "Account Executive", "Director of Operations"]
INDUSTRY = ["Software", "Retail", "Healthcare", "Finance", "Manufacturing", "Education",
            "Logistics", "Media", "Energy", "Real Estate"]
# country, zone, city, phone format (digits replaced by #)
PLACES = [
    ("US", "America/New_York", "New York", "+1 (212) ###-####"),
    ("US", "America/Los_Angeles", "San Francisco", "+1 415 ### ####"),
    ("GB", "Europe/London", "London", "+44 20 #### ####"),
    ("DE", "Europe/Berlin", "Berlin", "+49 30 ########"),
    ("FR", "Europe/Paris", "Paris", "+33 1 ## ## ## ##"),
    ("IN", "Asia/Kolkata", "Bengaluru", "+91 80 #### ####"),
    ("BR", "America/Sao_Paulo", "São Paulo", "+55 11 9####-####"),
    ("JP", "Asia/Tokyo", "Tokyo", "+81 3-####-####"),
    ("AE", "Asia/Dubai", "Dubai", "+971 4 ### ####"),
    ("AU", "Australia/Sydney", "Sydney", "+61 2 #### ####"),
    ("NG", "Africa/Lagos", "Lagos", "+234 1 ### ####"),
    ("SE", "Europe/Stockholm", "Stockholm", "+46 8 ### ### ##"),
]
TLD = {"US": "com", "GB": "co.uk", "DE": "de", "FR": "fr", "IN": "in", "BR": "com.br",
       "JP": "co.jp", "AE": "ae", "AU": "com.au", "NG": "com.ng", "SE": "se"}
def slug(text):
    """Lower-case ASCII letters and digits only: "Søren O'Brien" -> "sorenobrien"."""
    folded = unicodedata.normalize("NFKD", text.lower().replace("ø", "o"))
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int)
    parser.add_argument("out")
    parser.add_argument("--duplicates", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--suppression", nargs=2, metavar=("FILE", "N"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    emails = []
    with open(args.out, "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(["Email", "First Name", "Last Name", "Company Name", "Job Title", "Phone",
                    "LinkedIn URL", "Country", "Time Zone", "City", "Industry", "Website"])
        for i in range(args.rows):
            if emails and rng.random() < args.duplicates:
                email = rng.choice(emails).upper()
            else:
                email = None
            first, last = rng.choice(FIRST), rng.choice(LAST)
            country, zone, city, phone_format = rng.choice(PLACES)
            company = f"{rng.choice(COMPANY)} {i % 5000}"
            domain = f"{slug(company)}.{TLD.get(country, 'com')}"
            if email is None:
                email = f"{slug(first)}.{slug(last)}{i}@{domain}"
                emails.append(email)
            phone = "".join(str(rng.randrange(10)) if c == "#" else c for c in phone_format)
            suffix = rng.choice(SUFFIX)
            w.writerow([email, first, last, f"{company} {suffix}".strip(), rng.choice(TITLE),
                        phone, f"https://www.linkedin.com/in/{slug(first)}-{slug(last)}-{i}",
                        country, zone, city, rng.choice(INDUSTRY), f"https://{domain}"])
    if args.suppression:
        path, n = args.suppression[0], int(args.suppression[1])
        with open(path, "w", newline="", encoding="utf-8") as out:
            w = csv.writer(out)
            w.writerow(["email"])
            for k in range(n):
                if k < 20:
                    w.writerow([f"blocked{k}.example"])
                elif k % 2 == 0 and emails:
                    w.writerow([rng.choice(emails)])
                else:
                    w.writerow([f"someone{k}@elsewhere{k % 97}.com"])


if __name__ == "__main__":
    main()
